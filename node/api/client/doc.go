// Package client is the Go client of overlayd's local API (package
// node/api), for the CLI and for programs on the same machine. The zero
// Client talks to the local agent at 127.0.0.1:7947; every call takes a
// context, and an error answer comes back as an [*Error] carrying the
// server's message and the field it names.
package client
