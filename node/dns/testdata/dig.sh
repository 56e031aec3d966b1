#!/usr/bin/env bash
# The issue's DNS check: `dig @127.0.0.1 -p 7953 web.service.overlay SRV`
# lists the instances nearest first. It starts the harness of
# node/dns/testdata/harness (five instances of web at known distances),
# asks dig over UDP and over TCP for SRV and A records, and compares the
# order with the harness's true one. Installs Debian's dnsutils for dig
# when it is missing.
#
#   bash node/dns/testdata/dig.sh          # on port 7953
#   PORT=0 bash node/dns/testdata/dig.sh   # on a free port
set -euo pipefail
cd "$(dirname "$0")/../../.."
port=${PORT:-7953}

if ! command -v dig >/dev/null; then
  echo "dig.sh: dig is missing; installing Debian's dnsutils"
  apt-get update && apt-get install -y dnsutils
fi

tmp=$(mktemp -d)
harness=
cleanup() {
  if [ -n "$harness" ]; then kill "$harness" 2>/dev/null || true; wait "$harness" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

go build -o "$tmp/harness" ./node/dns/testdata/harness
: >"$tmp/out"
"$tmp/harness" -addr "127.0.0.1:$port" -duration 2m >"$tmp/out" 2>&1 &
harness=$!
for _ in $(seq 200); do
  grep -q '^expect web A: ' "$tmp/out" && break
  if ! kill -0 "$harness" 2>/dev/null; then echo "dig.sh: the harness stopped:"; cat "$tmp/out"; exit 1; fi
  sleep 0.05
done
grep -q '^expect web A: ' "$tmp/out" || { echo "dig.sh: the harness did not start in 10 s"; cat "$tmp/out"; exit 1; }
addr=$(sed -n 's/^listening //p' "$tmp/out")
port=${addr##*:}
expected=$(sed -n 's/^expect web: //p' "$tmp/out")
expected_a=$(sed -n 's/^expect web A: //p' "$tmp/out")
echo "dig.sh: harness on $addr; true order: $expected ($expected_a)"

fail=0
# check NAME ARGS...: runs dig, prints its answer, and compares the order
# of the nodes it names with the expected one.
check() {
  local what=$1; shift
  echo "\$ dig @127.0.0.1 -p $port $*"
  local answer
  answer=$(dig @127.0.0.1 -p "$port" +noall +answer +additional "$@")
  echo "$answer"
  local got
  case "$what" in
    SRV) got=$(awk '$4 == "SRV" { split($8, l, "."); printf "%s ", l[1] }' <<<"$answer") ;;
    A)   got=$(awk '$4 == "A" { printf "%s ", $5 }' <<<"$answer") ;;
  esac
  got=${got% }
  local want=$expected
  [ "$what" = A ] && want=$expected_a
  if [ "$got" = "$want" ]; then
    echo "ok: $what order $got"
  else
    echo "FAIL: $what order \"$got\", want \"$want\""; fail=1
  fi
}

check SRV web.service.overlay SRV
check SRV web.service.overlay SRV +tcp
check A web.service.overlay A
check SRV _web._tcp.service.overlay SRV
status=$(dig @127.0.0.1 -p "$port" nosuch.service.overlay A | sed -n 's/.*status: \([A-Z]*\).*/\1/p')
if [ "$status" = NXDOMAIN ]; then echo "ok: nosuch.service.overlay is NXDOMAIN"; else echo "FAIL: nosuch.service.overlay: $status"; fail=1; fi
[ "$fail" = 0 ] && echo "dig.sh: PASS" || echo "dig.sh: FAIL"
exit "$fail"
