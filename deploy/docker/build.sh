#!/usr/bin/env bash
# Builds the image overlayd:scratch (or the tag given as $1) FROM scratch,
# around a static overlayd built here with CGO_ENABLED=0: no base image is
# pulled, so it works on a machine without a registry. OVERLAYD_BIN names
# a static binary to use instead of building one.
#   bash deploy/docker/build.sh [TAG]
set -euo pipefail
cd "$(dirname "$0")/../.."
tag=${1:-overlayd:scratch}

ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
if [ -n "${OVERLAYD_BIN:-}" ]; then
  cp "$OVERLAYD_BIN" "$ctx/overlayd"
else
  CGO_ENABLED=0 GOTOOLCHAIN=local go build -trimpath -ldflags='-s -w' -o "$ctx/overlayd" ./cmd/overlayd
fi
mkdir -p "$ctx/etc" "$ctx/var/lib/overlayd"
echo 'overlayd:x:65532:65532:overlayd:/var/lib/overlayd:/sbin/nologin' > "$ctx/etc/passwd"
echo 'overlayd:x:65532:' > "$ctx/etc/group"
# The classic builder: it needs nothing from a registry for FROM scratch.
DOCKER_BUILDKIT=0 docker build -q -f deploy/docker/Dockerfile.scratch -t "$tag" "$ctx" 2>&1 >/dev/null |
  grep -v -e DEPRECATED -e BuildKit -e 'environment-variable' -e '^ *$' >&2 || true
echo "built $tag ($(docker image inspect -f '{{.Size}}' "$tag") bytes)"
