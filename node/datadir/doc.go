// Package datadir is an agent's data directory: what a node keeps on disk
// so that a restart does not make it a stranger. Its layout is stable;
// files are JSON with a version number, and each is replaced atomically
// (written to a temporary file in the directory, synced, renamed over the
// old one, and the directory synced), so a crash leaves either the old
// file or the new one, never a mix.
//
//	<data dir>/              mode 0700
//	├── incarnation.json     the highest SWIM incarnation this node has used
//	├── members.json         live members seen last, to rejoin through after a restart
//	├── record-key.json      mode 0600: the Ed25519 key the node signs its records with
//	└── tls/                 mode 0700: the transport's PEM files, the cluster CA and
//	                         the node's certificate and key; this package creates the
//	                         directory and never reads or writes inside it
//
// incarnation.json is {"version":1,"node":NAME,"incarnation":N}. A node
// restarts at N+1, so its Alive supersedes whatever the cluster last heard
// of it, and it writes a new N before any message carrying N leaves.
//
// members.json is {"version":1,"node":NAME,"saved":RFC3339,"members":[{"id":ID,"addr":ADDR},…]},
// at most [MaxMembers] entries.
//
// record-key.json is {"version":1,"node":NAME,"ed25519_seed":BASE64}: the
// 32-byte seed (RFC 8032) of the key that signs the node's catalog records.
// Peers bind a member's name to the first key they see sign for it
// (SECURITY.md, "Record authentication"), so the key must outlive
// restarts: a node with a new key is refused until the cluster forgets it.
//
// Files of another node's name are not this node's: the agent ignores the
// incarnation in them. Temporary files left by a crash mid-write begin with
// a dot and are removed by [Open].
package datadir
