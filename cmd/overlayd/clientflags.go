package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/overlayd/overlayd/node/api"
	"github.com/overlayd/overlayd/node/api/client"
)

// Environment variables that client commands read, like Consul's
// CONSUL_HTTP_ADDR and CONSUL_HTTP_TOKEN.
const (
	envAPIAddr = "OVERLAYD_API_ADDR"
	envToken   = "OVERLAYD_TOKEN"
)

// clientFlags are the flags every command that talks to the local agent
// takes.
type clientFlags struct {
	addr    string
	token   string
	timeout time.Duration
}

func (f *clientFlags) register(fs *flag.FlagSet) {
	addr := os.Getenv(envAPIAddr)
	if addr == "" {
		addr = api.DefaultAddr
	}
	fs.StringVar(&f.addr, "api-addr", addr, "`address` of the agent's HTTP API (env "+envAPIAddr+")")
	fs.StringVar(&f.token, "token", os.Getenv(envToken), "ACL `token` for writes (env "+envToken+")")
	fs.DurationVar(&f.timeout, "timeout", 10*time.Second, "give up on the agent after this `duration`")
}

func (f *clientFlags) client() *client.Client {
	return &client.Client{Addr: f.addr, Token: f.token}
}

// explain turns a client error into a sentence for the terminal.
func (f *clientFlags) explain(err error) error {
	var apiErr *client.Error
	switch {
	case errors.Is(err, client.ErrUnreachable):
		return fmt.Errorf("no agent answers at %s: is `overlayd agent` (or `overlayd dev`) running? Set -api-addr or %s to reach another one", f.addr, envAPIAddr)
	case errors.As(err, &apiErr):
		return fmt.Errorf("the agent refused: %s", apiErr.Message)
	}
	return err
}
