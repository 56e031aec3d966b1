#!/usr/bin/env bash
# Runs the Consul API client compatibility test: overlayd's HTTP API
# against github.com/hashicorp/consul/api (see doc.go). A module of its
# own; .ci/run calls this script.
set -euo pipefail
cd "$(dirname "$0")"
export GOTOOLCHAIN=local
# The main module is used through a replace directive, so its dependencies
# change under this module; let go fill in their sums rather than fail.
export GOFLAGS=-mod=mod
go vet ./...
go test -count=1 ./...
