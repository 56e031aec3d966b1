#!/usr/bin/env bash
# Makes the cluster CA and the agents' certificates with `overlayd tls`,
# and stores them as a Secret (the CA key stays in DIR, off the cluster).
#   bash tls-secret.sh DIR                 # overlayd-tls: one certificate per Kubernetes node
#   bash tls-secret.sh DIR -statefulset N  # overlayd-loadtest-tls: overlayd-loadtest-0 … N-1
# OVERLAYD names the overlayd binary; kubectl must reach the cluster.
set -euo pipefail
dir=${1:?usage: tls-secret.sh DIR [-statefulset N]}
overlayd=${OVERLAYD:-overlayd}
mkdir -p "$dir"
cd "$dir"
[ -e overlayd-ca.pem ] || "$overlayd" tls ca create >/dev/null
if [ "${2:-}" = -statefulset ]; then
  secret=overlayd-loadtest-tls
  names=$(seq 0 $((${3:?-statefulset N} - 1)) | sed 's/^/overlayd-loadtest-/')
else
  secret=overlayd-tls
  names=$(kubectl get nodes -o jsonpath='{.items[*].metadata.name}')
fi
args=(--from-file=ca.pem=overlayd-ca.pem)
for n in $names; do
  [ -e "$n.pem" ] || "$overlayd" tls cert create -node "$n" >/dev/null
  args+=("--from-file=$n.pem" "--from-file=$n-key.pem")
done
kubectl -n overlayd create secret generic "$secret" "${args[@]}" --dry-run=client -o yaml | kubectl apply -f -
