#!/usr/bin/env bash
# The "WAN" between the compose cluster's three DC networks: the host
# routes between their subnets (10.213.1-3.0/24), which Docker's bridge
# isolation otherwise forbids, and can cut one DC off from the other two
# while its own network stays up. Rules go in Docker's DOCKER-USER chain,
# each tagged with the comment overlayd-wan so that `down` removes exactly
# these. Needs root and iptables.
#   bash wan.sh up | down | cut DC | heal DC     (DC: 1, 2 or 3)
set -euo pipefail
all=10.213.0.0/16
tag=overlayd-wan

rule() { iptables "$1" DOCKER-USER "${@:2}" -m comment --comment "$tag" -j "${RULE_TARGET:-ACCEPT}"; }
cut_rules() { # the two directions of DC $2's uplink, added (-I) or deleted (-D)
  local net=10.213.$2.0/24
  RULE_TARGET=DROP rule "$1" -s "$net" ! -d "$net"
  RULE_TARGET=DROP rule "$1" -d "$net" ! -s "$net"
}

case "${1:-}" in
  up)
    iptables -C DOCKER-USER -s "$all" -d "$all" -m comment --comment "$tag" -j ACCEPT 2>/dev/null ||
      rule -I -s "$all" -d "$all"
    ;;
  down)
    # iptables -S prints each rule as the -A arguments that made it.
    iptables -S DOCKER-USER 2>/dev/null | grep -- "--comment $tag" | sed 's/^-A /-D /' |
      while read -r -a spec; do iptables "${spec[@]}"; done
    ;;
  cut)
    [[ "${2:-}" =~ ^[123]$ ]] || { echo "wan.sh cut DC: DC is 1, 2 or 3" >&2; exit 2; }
    cut_rules -I "$2"
    ;;
  heal)
    [[ "${2:-}" =~ ^[123]$ ]] || { echo "wan.sh heal DC: DC is 1, 2 or 3" >&2; exit 2; }
    cut_rules -D "$2"
    ;;
  *)
    echo "usage: wan.sh up | down | cut DC | heal DC" >&2; exit 2 ;;
esac
