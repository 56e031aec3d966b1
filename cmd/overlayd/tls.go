package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/overlayd/overlayd/overlay"
)

// File names `overlayd tls` writes, like `consul tls`'s
// consul-agent-ca.pem and consul-agent-ca-key.pem.
const (
	caCertFile = "overlayd-ca.pem"
	caKeyFile  = "overlayd-ca-key.pem"
)

var tlsCommand = &command{
	name:     "tls",
	synopsis: "create the cluster CA and node certificates",
	args:     "ca create | cert create -node NAME",
	usage: `
Makes the TLS material a cluster runs on. Every node has a certificate,
signed by the cluster CA, that binds its node name: nodes accept only peers
whose certificates chain to the CA, and a peer cannot speak as another node.

  ca create                 writes overlayd-ca.pem and overlayd-ca-key.pem
  cert create -node NAME    writes NAME.pem and NAME-key.pem, signed by the
                            CA in the current directory (or -ca, -ca-key)

Keys are written readable by their owner only, and no existing file is
overwritten. Keep the CA key off the nodes: each node needs the CA
certificate, its own certificate and its own key.

Example:
  overlayd tls ca create
  overlayd tls cert create -node web-1
  overlayd agent -node web-1 -data-dir /var/lib/overlayd \
      -ca-file overlayd-ca.pem -cert-file web-1.pem -key-file web-1-key.pem
`,
}

func init() { tlsCommand.run = runTLS }

func runTLS(ctx context.Context, args []string, out, errOut io.Writer) int {
	c := tlsCommand
	if len(args) >= 2 && args[1] == "create" {
		switch args[0] {
		case "ca":
			return runTLSCACreate(args[2:], out, errOut)
		case "cert":
			return runTLSCertCreate(args[2:], out, errOut)
		}
	}
	fs := c.newFlagSet(errOut)
	if stop, code := parseFlags(fs, args); stop {
		return code
	}
	return c.usageError(errOut, "want 'ca create' or 'cert create -node NAME'")
}

func runTLSCACreate(args []string, out, errOut io.Writer) int {
	c := &command{name: "tls ca create", usage: "Creates the cluster CA: " + caCertFile + " and " + caKeyFile + ".\n\nExample:\n  overlayd tls ca create -dir /etc/overlayd"}
	fs := c.newFlagSet(errOut)
	dir := fs.String("dir", ".", "write the files into this `directory`")
	days := fs.Int("days", int(overlay.DefaultCAValidity/(24*time.Hour)), "the CA is valid for this many `days`")
	name := fs.String("common-name", "overlayd cluster CA", "the CA certificate's common `name`")
	if stop, code := parseFlags(fs, args); stop {
		return code
	}
	if fs.NArg() > 0 {
		return c.usageError(errOut, "unexpected argument %q", fs.Arg(0))
	}
	if *days < 1 {
		return c.usageError(errOut, "-days %d: want at least 1", *days)
	}
	ca, err := overlay.NewCA(*name, overlay.CertOptions{ValidFor: time.Duration(*days) * 24 * time.Hour})
	if err != nil {
		return c.fail(errOut, err)
	}
	certPath, keyPath := filepath.Join(*dir, caCertFile), filepath.Join(*dir, caKeyFile)
	if err := ca.WriteFiles(certPath, keyPath); err != nil {
		return c.fail(errOut, err)
	}
	fmt.Fprintf(out, "==> Saved %s\n==> Saved %s\n", certPath, keyPath)
	return exitOK
}

func runTLSCertCreate(args []string, out, errOut io.Writer) int {
	c := &command{name: "tls cert create", usage: "Creates a node certificate signed by the cluster CA, binding the node's name.\n\nExample:\n  overlayd tls cert create -node web-1"}
	fs := c.newFlagSet(errOut)
	node := fs.String("node", "", "the node `name` the certificate binds (required)")
	caPath := fs.String("ca", caCertFile, "the CA certificate `file`")
	caKeyPath := fs.String("ca-key", caKeyFile, "the CA key `file`")
	dir := fs.String("dir", ".", "write the files into this `directory`")
	days := fs.Int("days", int(overlay.DefaultCertValidity/(24*time.Hour)), "the certificate is valid for this many `days`")
	if stop, code := parseFlags(fs, args); stop {
		return code
	}
	if fs.NArg() > 0 {
		return c.usageError(errOut, "unexpected argument %q", fs.Arg(0))
	}
	if *node == "" {
		return c.usageError(errOut, "-node is required")
	}
	if err := validNodeName(*node); err != nil {
		return c.usageError(errOut, "-node: %v", err)
	}
	if *days < 1 {
		return c.usageError(errOut, "-days %d: want at least 1", *days)
	}
	ca, err := overlay.LoadCA(*caPath, *caKeyPath)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return c.fail(errOut, fmt.Errorf("%w (run 'overlayd tls ca create' first)", err))
		}
		return c.fail(errOut, err)
	}
	nc, err := ca.Issue(overlay.NodeID(*node), overlay.CertOptions{ValidFor: time.Duration(*days) * 24 * time.Hour})
	if err != nil {
		return c.fail(errOut, err)
	}
	certPath, keyPath := filepath.Join(*dir, *node+".pem"), filepath.Join(*dir, *node+"-key.pem")
	if err := nc.WriteFiles(certPath, keyPath); err != nil {
		return c.fail(errOut, err)
	}
	fmt.Fprintf(out, "==> Using %s and %s\n==> Saved %s\n==> Saved %s\n", *caPath, *caKeyPath, certPath, keyPath)
	return exitOK
}
