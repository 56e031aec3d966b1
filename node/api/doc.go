// Package api is overlayd's local HTTP API, served on 127.0.0.1:7947 in
// the shape of Consul's agent API so that Consul's clients work unchanged:
// the same paths, JSON field names, query parameters (dc, tag, passing,
// near, index, wait) and X-Consul-* headers, for the agent, catalog,
// health, coordinate and status endpoints; plus overlayd's own:
// /v1/nearest/:service, /v1/rtt and the server-sent events of
// /v1/watch/service/:name.
//
// The package owns the handlers, the translation of catalog records into
// Consul's shapes, the blocking queries (a response is recomputed when the
// agent's state changes and returned only when it differs from what the
// client holds), and the rules every endpoint follows: a JSON error naming
// the field for bad input, a loopback Host and no Origin (against DNS
// rebinding), an optional ACL token for writes, bounds on the body size
// and on the number of blocked queries.
//
// It reads the agent through the small [Backend] interface and this
// agent's services through [Services] (a *services.Manager); it owns no
// state of the cluster. Package client is its Go client.
package api
