// Command harness serves overlayd's HTTP API with the live map mounted at
// /ui/, over the fake backend of package apitest holding a small cluster:
// three datacenters of 12 members each, clustered in the coordinate space
// as real datacenters are, some suspect, dead or left, with instances of
// web, api and db. It stands in for a running cluster for
// testdata/screenshot.sh; it is not the daemon.
//
//	go run ./node/ui/testdata/harness -addr 127.0.0.1:0
//
// It prints "serving http://ADDR" once it serves.
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/overlayd/overlayd/node/api"
	"github.com/overlayd/overlayd/node/api/apitest"
	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/node/services"
	"github.com/overlayd/overlayd/node/ui"
	"github.com/overlayd/overlayd/overlay"
	"github.com/overlayd/overlayd/vivaldi"
)

// datacenter is a cluster of members around a centre, in seconds along
// the first three axes of the coordinate space.
type datacenter struct {
	name, prefix string
	centre       [3]float64
}

var datacenters = []datacenter{
	{"eu-west", "eu", [3]float64{0, 0, 0}},
	{"us-east", "us", [3]float64{0.070, 0.020, 0}},
	{"ap-south", "ap", [3]float64{0.020, 0.110, 0.010}},
}

const perDatacenter = 12

// Statuses and services of some members; the rest are alive and offer
// nothing.
var (
	statuses = map[string]catalog.Status{"us-3": catalog.Suspect, "ap-5": catalog.Dead, "eu-7": catalog.Left}
	offers   = map[string][]catalog.Service{
		"eu-3":  {service("web", catalog.Passing)},
		"eu-8":  {service("web", catalog.Critical)},
		"eu-10": {service("api", catalog.Passing), service("web", catalog.Passing)},
		"us-2":  {service("web", catalog.Passing)},
		"us-9":  {service("web", catalog.Warning)},
		"us-5":  {service("api", catalog.Passing)},
		"ap-4":  {service("db", catalog.Passing), service("web", catalog.Passing)},
		"ap-9":  {service("db", catalog.Passing)},
	}
)

func service(name string, h catalog.Health) catalog.Service {
	return catalog.Service{ID: name + "-1", Name: name, Port: 8080, Health: h}
}

func main() {
	addr := flag.String("addr", "127.0.0.1:7948", "address to serve the API and map on (loopback; port 0 picks one)")
	duration := flag.Duration("duration", 10*time.Minute, "stop after this long")
	flag.Parse()
	if err := run(*addr, *duration); err != nil {
		fmt.Fprintln(os.Stderr, "harness:", err)
		os.Exit(1)
	}
}

func run(addr string, duration time.Duration) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, duration)
	defer cancel()
	rng := rand.New(rand.NewPCG(6, 5))
	env, err := apitest.NewEnv(ctx,
		apitest.Config{Self: overlay.Peer{ID: "eu-1", Addr: "127.0.0.1:7946"}, Datacenter: "eu-west", Coordinate: near(rng, datacenters[0])},
		services.Config{}, api.Config{UI: ui.Handler()})
	if err != nil {
		return err
	}
	for d, dc := range datacenters {
		for i := 1; i <= perDatacenter; i++ {
			id := fmt.Sprintf("%s-%d", dc.prefix, i)
			if id == "eu-1" {
				continue // this agent
			}
			coord := near(rng, dc)
			rec := apitest.Record(id, fmt.Sprintf("127.0.%d.%d:7946", 10+d, i), dc.name, &coord, offers[id]...)
			if s, ok := statuses[id]; ok {
				rec.Status = s
			}
			if err := env.Backend.Apply(rec); err != nil {
				return err
			}
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Printf("serving http://%s\n", ln.Addr())
	return env.Server.Serve(ctx, ln)
}

// near returns a coordinate of the default dimensionality a few
// milliseconds from the datacenter's centre, with a height of its access
// link.
func near(rng *rand.Rand, dc datacenter) vivaldi.Coordinate {
	v := make([]float64, vivaldi.DefaultDimensionality)
	for i := range v {
		v[i] = rng.NormFloat64() * 0.004
		if i < len(dc.centre) {
			v[i] += dc.centre[i]
		}
	}
	return vivaldi.Coordinate{Vec: v, Error: 0.2, Height: 0.0005 + rng.Float64()*0.0015}
}
