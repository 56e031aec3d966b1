# syntax=docker/dockerfile:1
# The image for users: overlayd built from this checkout in a Go builder,
# copied as a static binary into a distroless base that runs as non-root.
#
#   docker build -t overlayd .
#   docker run --rm overlayd --help
#
# On a machine that can pull no base image, build deploy/docker/Dockerfile.scratch
# around a binary built on the host instead: deploy/docker/build.sh.

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# Static: no libc in the final image. -trimpath drops the builder's paths.
RUN CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /out/overlayd ./cmd/overlayd \
 && mkdir -p /out/var/lib/overlayd

# distroless/static has /etc/passwd with the nonroot user (65532), tzdata
# and CA certificates; overlayd needs none of the last two (its peers are
# checked against the cluster's own CA), but they cost nothing here.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/overlayd /usr/local/bin/overlayd
COPY --from=build --chown=65532:65532 /out/var/lib/overlayd /var/lib/overlayd
USER 65532:65532
# 7946/udp: the overlay (QUIC). 7947/tcp: the HTTP API, /metrics and /ui/.
# 7953: DNS over UDP and TCP. The API and DNS listen on loopback unless
# -api-addr and -dns-addr say otherwise.
EXPOSE 7946/udp 7947/tcp 7953/udp 7953/tcp
VOLUME /var/lib/overlayd
ENTRYPOINT ["/usr/local/bin/overlayd"]
CMD ["agent", "-data-dir", "/var/lib/overlayd"]
