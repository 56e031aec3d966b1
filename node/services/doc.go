// Package services owns this agent's own service instances and their
// health checks: the definitions, in the JSON shape of Consul's
// PUT /v1/agent/service/register body ([Parse], [ParseFile]); the
// [Manager] that registers them with the cluster through a [Publisher],
// runs their HTTP, TCP and TTL checks on their own goroutines, sends the
// aggregate health of each instance (the worst of its checks) to the
// Publisher whenever it changes, deregisters an instance whose check stayed
// critical past DeregisterCriticalServiceAfter, and keeps the registrations
// in the data directory so that they survive a restart.
//
// It does not know the catalog of other members, serve HTTP (package
// node/api does) or decide how a health change travels (the Publisher,
// the agent's runtime, does). Time comes from an injectable [clock.Clock], so
// tests advance it instead of sleeping.
package services
