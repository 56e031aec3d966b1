// Command overlayd is the overlayd agent and its command-line client.
//
//	overlayd agent -node web-1 -join 10.0.0.5 -data-dir /var/lib/overlayd ...
//	overlayd dev                       # a local 32-node cluster in one process
//	overlayd members                   # ask the local agent
//
// Run `overlayd help` for the commands and `overlayd COMMAND -h` for one
// command's flags and an example. The command only parses flags and files,
// handles signals and prints; the agent is package node, its API package
// node/api.
package main
