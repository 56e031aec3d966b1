#!/usr/bin/env bash
# Makes the TLS material of the compose cluster with overlayd's own
# commands: the cluster CA, then one certificate per agent binding its node
# name, laid out as each container's DATA-DIR/tls/ (ca.pem, node.pem,
# node-key.pem) so that the agent finds it without TLS flags.
#   bash tls.sh [DIR]      (DIR defaults to ./tls; OVERLAYD names the binary)
# The CA key stays in DIR/ca/ and is mounted into no container. Each
# container mounts only its own directory, read-only.
set -euo pipefail
cd "$(dirname "$0")"
out=${1:-tls}
overlayd=${OVERLAYD:-overlayd}
uid=65532 # the image's non-root user

if [ -e "$out/ca/overlayd-ca.pem" ]; then
  echo "$out/ca/overlayd-ca.pem exists: keeping the CA and certificates in $out"
  exit 0
fi
mkdir -p "$out/ca"
"$overlayd" tls ca create -dir "$out/ca" >/dev/null
for dc in 1 2 3; do
  for i in $(seq -w 1 10); do
    node=dc$dc-a$i
    mkdir -p "$out/$node"
    "$overlayd" tls cert create -node "$node" -ca "$out/ca/overlayd-ca.pem" -ca-key "$out/ca/overlayd-ca-key.pem" -dir "$out/$node" >/dev/null
    mv "$out/$node/$node.pem" "$out/$node/node.pem"
    mv "$out/$node/$node-key.pem" "$out/$node/node-key.pem"
    cp "$out/ca/overlayd-ca.pem" "$out/$node/ca.pem"
  done
done
# The key files are the owner's only (0600): give them to the image's user.
if [ "$(id -u)" = 0 ]; then
  chown -R "$uid:$uid" "$out"/dc*
else
  echo "not root: cannot chown $out to uid $uid; the agents will not read their keys" >&2
  exit 1
fi
echo "TLS material for 30 agents in $out"
