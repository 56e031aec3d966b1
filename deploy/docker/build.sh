#!/usr/bin/env bash
# Builds the image overlayd:scratch (or the tag given as $1) FROM scratch,
# around a static overlayd built here with CGO_ENABLED=0: no base image is
# pulled, so it works on a machine without a registry.
#   bash deploy/docker/build.sh [TAG]
set -euo pipefail
cd "$(dirname "$0")/../.."
tag=${1:-overlayd:scratch}

ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
CGO_ENABLED=0 GOTOOLCHAIN=local go build -trimpath -ldflags='-s -w' -o "$ctx/overlayd" ./cmd/overlayd
mkdir -p "$ctx/etc" "$ctx/var/lib/overlayd"
echo 'overlayd:x:65532:65532:overlayd:/var/lib/overlayd:/sbin/nologin' > "$ctx/etc/passwd"
echo 'overlayd:x:65532:' > "$ctx/etc/group"
DOCKER_BUILDKIT=0 docker build -q -f deploy/docker/Dockerfile.scratch -t "$tag" "$ctx" >/dev/null
echo "built $tag ($(docker image inspect -f '{{.Size}}' "$tag") bytes)"
