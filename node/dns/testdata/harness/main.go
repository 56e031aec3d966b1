// Command harness serves overlayd's DNS over the fake backend of package
// apitest, with five instances of "web" at known distances from this
// agent, for checks with dig (testdata/dig.sh). It is not the daemon: no
// network but DNS, no protocols.
//
//	go run ./node/dns/testdata/harness -addr 127.0.0.1:7953
//	dig @127.0.0.1 -p 7953 web.service.overlay SRV
//
// It prints "listening ADDR" once it serves, then "expect web: NODE …"
// and "expect web A: IP …", the instances' nodes and addresses in the
// order of their true distance, which is the order dig must show. With -addr's port 0 it picks a port free for UDP
// and TCP alike.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/overlayd/overlayd/node/api/apitest"
	"github.com/overlayd/overlayd/node/catalog"
	"github.com/overlayd/overlayd/node/dns"
	"github.com/overlayd/overlayd/vivaldi"
)

// member is an instance of web at a known round trip from this agent.
type member struct {
	name, ip string
	rtt      time.Duration
}

// members are listed neither by name nor by distance.
var members = []member{
	{"node-a", "127.0.0.10", 30 * time.Millisecond},
	{"node-b", "127.0.0.11", 5 * time.Millisecond},
	{"node-c", "127.0.0.12", 50 * time.Millisecond},
	{"node-d", "127.0.0.13", 12 * time.Millisecond},
	{"node-e", "127.0.0.14", 80 * time.Millisecond},
}

func main() {
	addr := flag.String("addr", dns.DefaultAddr, "address to serve DNS on, UDP and TCP (loopback; port 0 picks one)")
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
	b, err := apitest.New(apitest.Config{})
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for i, m := range members {
		coord := vivaldi.Coordinate{Vec: direction(rng, m.rtt.Seconds()), Error: 0.2}
		rec := apitest.Record(m.name, m.ip+":7946", "dc1", &coord,
			catalog.Service{ID: "web-1", Name: "web", Port: uint16(8080 + i), Health: catalog.Passing})
		if err := b.Apply(rec); err != nil {
			return err
		}
	}
	srv, err := dns.New(dns.Config{Backend: b})
	if err != nil {
		return err
	}
	pc, ln, err := listen(addr)
	if err != nil {
		return err
	}
	byRTT := slices.Clone(members)
	slices.SortFunc(byRTT, func(a, b member) int { return cmp.Compare(a.rtt, b.rtt) })
	var names, ips []string
	for _, m := range byRTT {
		names, ips = append(names, m.name), append(ips, m.ip)
	}
	fmt.Printf("listening %s\nexpect web: %s\nexpect web A: %s\n", pc.LocalAddr(), strings.Join(names, " "), strings.Join(ips, " "))
	return srv.Serve(ctx, pc, ln)
}

// direction returns a vector of the default dimensionality, length
// seconds long, in a random direction: this agent is at the origin, so
// its estimated RTT to the member is that length.
func direction(rng *rand.Rand, seconds float64) []float64 {
	v := make([]float64, vivaldi.DefaultDimensionality)
	norm := 0.0
	for i := range v {
		v[i] = rng.NormFloat64()
		norm += v[i] * v[i]
	}
	for i := range v {
		v[i] *= seconds / math.Sqrt(norm)
	}
	return v
}

// listen binds addr over UDP and TCP, on one port; with port 0 it tries
// ports that UDP picks until TCP can have the same.
func listen(addr string) (net.PacketConn, net.Listener, error) {
	for range 20 {
		pc, err := net.ListenPacket("udp", addr)
		if err != nil {
			return nil, nil, err
		}
		ln, err := net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			return pc, ln, nil
		}
		pc.Close()
		if _, port, _ := net.SplitHostPort(addr); port != "0" {
			return nil, nil, err
		}
	}
	return nil, nil, errors.New("no port free for both UDP and TCP")
}
