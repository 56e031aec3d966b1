// Command harness serves overlayd's HTTP API over the fake backend of
// package apitest, with a populated catalog, for load generators such as
// wrk. It is not the daemon: no network but the API, no protocols.
//
//	go run ./node/api/testdata/harness -members 10000 -instances 1000
//	wrk -t2 -c32 -d10s 'http://127.0.0.1:7948/v1/nearest/web?n=3'
//
// With -churn N the agent's state changes N times a second (a new
// coordinate for this agent), so that answers are recomputed as they are
// in a live cluster.
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
	"github.com/overlayd/overlayd/node/services"
	"github.com/overlayd/overlayd/vivaldi"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:7948", "address to serve the API on (loopback)")
	members := flag.Int("members", 10_000, "members in the catalog")
	instances := flag.Int("instances", 1_000, "members offering the service \"web\"")
	churn := flag.Float64("churn", 0, "state changes per second (0: none)")
	duration := flag.Duration("duration", 10*time.Minute, "stop after this long")
	flag.Parse()
	if err := run(*addr, *members, *instances, *churn, *duration); err != nil {
		fmt.Fprintln(os.Stderr, "harness:", err)
		os.Exit(1)
	}
}

func run(addr string, members, instances int, churn float64, duration time.Duration) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, duration)
	defer cancel()
	env, err := apitest.NewEnv(ctx, apitest.Config{}, services.Config{}, api.Config{})
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(1, 1))
	if err := apitest.Populate(env.Backend, rng, members, instances, "dc1", "web"); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Printf("serving the API on %s: %d members, %d instances of web, %.1f changes/s\n", ln.Addr(), members, instances, churn)
	if churn > 0 {
		go moveCoordinate(ctx, env.Backend, rng, churn)
	}
	return env.Server.Serve(ctx, ln)
}

// moveCoordinate gives this agent a new coordinate rate times a second.
func moveCoordinate(ctx context.Context, b *apitest.Backend, rng *rand.Rand, rate float64) {
	t := time.NewTicker(time.Duration(float64(time.Second) / rate))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			v := make([]float64, vivaldi.DefaultDimensionality)
			for i := range v {
				v[i] = rng.Float64() * 0.05
			}
			_ = b.SetCoordinate(vivaldi.Coordinate{Vec: v})
		}
	}
}
