#!/usr/bin/env bash
# Loads the live map in headless Chromium, checks that it shows every
# member and the nearest instances of a service, and saves a screenshot.
#
#   bash node/ui/testdata/screenshot.sh [URL]
#
# URL is a running agent's API, such as http://127.0.0.1:7947 (a `dev`
# cluster's); without it the script starts testdata/harness, a fake
# three-datacenter cluster. SERVICE (default web) is the service to show,
# OUT (default a new temporary directory) where map.png and dom.html go.
# Installs Debian's chromium when it is missing.
set -euo pipefail
cd "$(dirname "$0")/../../.."
url=${1:-}
service=${SERVICE:-web}
out=${OUT:-$(mktemp -d)}
mkdir -p "$out"

if ! command -v chromium >/dev/null; then
  echo "screenshot.sh: chromium is missing; installing Debian's chromium"
  apt-get update && apt-get install -y chromium
fi

tmp=$(mktemp -d)
harness=
cleanup() {
  if [ -n "$harness" ]; then kill "$harness" 2>/dev/null || true; wait "$harness" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

if [ -z "$url" ]; then
  go build -o "$tmp/harness" ./node/ui/testdata/harness
  : >"$tmp/out"
  "$tmp/harness" -addr 127.0.0.1:0 -duration 5m >"$tmp/out" 2>&1 &
  harness=$!
  for _ in $(seq 200); do
    grep -q '^serving ' "$tmp/out" && break
    if ! kill -0 "$harness" 2>/dev/null; then echo "screenshot.sh: the harness stopped:"; cat "$tmp/out"; exit 1; fi
    sleep 0.05
  done
  url=$(sed -n 's/^serving //p' "$tmp/out")
  [ -n "$url" ] || { echo "screenshot.sh: the harness did not start in 10 s"; cat "$tmp/out"; exit 1; }
fi
url=${url%/}
echo "screenshot.sh: map of $url/ui/?service=$service, output in $out"

# What the page must show, from the API itself.
members=$(curl -sf "$url/v1/agent/members" | grep -o '"Name":"[^"]*"' | sed 's/"Name":"\(.*\)"/\1/')
count=$(grep -c . <<<"$members")
nearest=$(curl -sf "$url/v1/nearest/$service?n=3" | sed -n 's/.*"Instances":\[{"Node":"\([^"]*\)".*/\1/p')
echo "screenshot.sh: $count members; nearest $service: ${nearest:-none}"

chrome() {
  # The page polls every 2 s; 6 s of virtual time let it render and
  # refresh twice before the DOM or the picture is taken.
  chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
    --user-data-dir="$tmp/profile" --hide-scrollbars --window-size=1400,900 \
    --virtual-time-budget=6000 "$@" "$url/ui/?service=$service" 2>>"$tmp/chromium.log"
}
chrome --dump-dom >"$out/dom.html"
chrome --screenshot="$out/map.png" >/dev/null

fail=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; fail=1; fi; }
check "the member count shows $count" "grep -q 'id=\"member-count\">$count<' '$out/dom.html'"
missing=$(while read -r m; do grep -q "data-name=\"$m\"" "$out/dom.html" || printf '%s ' "$m"; done <<<"$members")
check "every member is listed${missing:+ (missing: $missing)}" "[ -z '$missing' ]"
check "the map draws members" "grep -q '<circle class=\"member' '$out/dom.html'"
if [ -n "$nearest" ]; then
  check "the nearest $service, $nearest, is first in the list" "grep -q '<ol id=\"nearest\"><li data-node=\"$nearest\"' '$out/dom.html'"
  check "the nearest $service is ringed on the map" "grep -q 'class=\"nearest\"[^>]*data-rank=\"1\" data-node=\"$nearest\"' '$out/dom.html'"
fi
check "no error on the page" "! grep -q 'class=\"status error\"' '$out/dom.html'"
check "a screenshot was saved" "[ -s '$out/map.png' ]"
[ "$fail" = 0 ] && echo "screenshot.sh: PASS ($out/map.png)" || { echo "screenshot.sh: FAIL"; tail -5 "$tmp/chromium.log"; }
exit "$fail"
