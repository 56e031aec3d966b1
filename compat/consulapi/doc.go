// Package consulapi checks overlayd's HTTP API against the Consul API
// client, github.com/hashicorp/consul/api: every endpoint a Consul user
// calls decodes into that client's structs with no field unknown to it
// and none of its always-present fields missing. It is a module of its
// own so that overlayd's go.mod does not carry Consul's client; run it
// with compat/consulapi/run.sh.
package consulapi
