// Package dns is overlayd's DNS interface, served on 127.0.0.1:7953 over
// UDP and TCP: the names of Consul's DNS interface under a configurable
// domain (default "overlay."), answered from the agent's latest published
// state without a lock on the query path.
//
// Names, with DC a datacenter and each form also accepted without it:
//
//	NAME.service[.DC].overlay        A, AAAA and SRV of NAME's passing instances
//	TAG.NAME.service[.DC].overlay    the same, for the instances tagged TAG
//	_NAME._TAG.service[.DC].overlay  RFC 2782's form of it; _tcp means no tag
//	NODE.node[.DC].overlay           A or AAAA of a member's address
//	HEX.addr[.DC].overlay            A or AAAA of the address spelled in hex
//	                                 (8 digits for IPv4, 32 for IPv6), the
//	                                 target of SRV records whose instance has
//	                                 an address of its own
//
// Instances come nearest first, by the estimate the HTTP API's
// /v1/nearest uses: the Vivaldi distance from this agent's coordinate,
// unknown estimates last, ties broken by member and instance ID. They are
// never shuffled (Consul's DNS shuffles even near-sorted answers,
// hashicorp/consul#9802). Without a DC the local datacenter is asked, with
// failover to the datacenter whose nearest instance is nearest when the
// local one has none; a DC that is named is asked alone. An SRV record's
// priority is the instance's rank (1 for the nearest), so that a client
// that orders SRV records by RFC 2782's rules keeps the order; its target
// is the instance's node (NODE.node.DC.overlay) or, for an instance with
// its own address, HEX.addr.DC.overlay, and its A or AAAA record goes in
// the additional section.
//
// Names match as written and then in lower case, so that a resolver that
// randomises the case of a query (the "0x20" defence) still finds a name
// registered in lower case. An instance whose address is a host name, not
// an IP address, is left out of A and AAAA answers; its SRV record names
// that host.
//
// Answers: NXDOMAIN with the zone's SOA in the authority section for a
// name that does not exist or has no passing instance; NOERROR with no
// answer and the SOA for a name that exists without records of the type
// asked (RFC 2308); REFUSED for a name outside the domain; FORMERR for a
// malformed query, NOTIMP for an opcode, class or zone transfer this
// server does not do, BADVERS for an EDNS version above 0. Datagrams that
// cannot be parsed as far as a header, and responses, get no answer. Over
// UDP an answer larger than 512 bytes, or than the payload size the
// client advertises with EDNS(0) (capped at [Config.MaxUDPSize]), keeps
// the nearest instances that fit and sets the TC bit, so that the client
// asks again over TCP, where answers are complete up to 65,535 bytes.
// The TTL of every record is [Config.TTL], 0 by default, so that a
// resolver's cache never serves a moved or failed instance.
//
// The package owns the name scheme, the answers and the two transports
// with their bounds (concurrent TCP connections, idle time per
// connection). It reads the agent through [Backend], which an api.Backend
// satisfies, and holds no state of the cluster.
package dns
