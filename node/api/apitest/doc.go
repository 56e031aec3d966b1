// Package apitest has a fake [api.Backend] for tests, benchmarks and the
// standalone API harness: a real catalog.Catalog that the test fills with
// members' records, and this agent's own record built from the services
// registered with it, as the agent's runtime builds it. No network, no
// protocols: a change is published as a new node.View at once.
package apitest
