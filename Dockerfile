# gosinit: a container init (PID 1) that runs supervisord.conf files.
#
# The result is a scratch image holding /gosinit and an empty, world-writable
# /tmp, nothing else. It is meant to be copied into your own image:
#
#   COPY --from=gosinit/gosinit:latest /gosinit /usr/local/bin/gosinit
#   ENTRYPOINT ["gosinit", "--"]                               # one command, tini-style
#   ENTRYPOINT ["gosinit", "-c", "/etc/supervisord.conf"]      # a supervisord.conf
#
# Build:
#   DOCKER_BUILDKIT=1 docker build -t gosinit/gosinit:latest .
# Without a registry (our CI: ../shared/tools/docker-engine.sh base-images makes
# a local Go image; BuildKit needs --network=host when dockerd has no bridge):
#   DOCKER_BUILDKIT=1 docker build --network=host \
#       --build-arg GO_IMAGE=gosinit-ci/golang:local -t gosinit/gosinit:latest .
#
# Modules: the build stage downloads go.mod's modules through GOPROXY (the one
# network access it needs) into a BuildKit cache mount, so only the first build
# on a machine touches the network; the compile step itself runs GOPROXY=off.
# Fully offline: run `go mod vendor` in a scratch copy of the tree (from your
# local module cache, no network) and build that copy with
# `--build-arg GOPROXY=off --network=none`: the download step is skipped and
# the go command builds from vendor/.
#
# No "# syntax=" line on purpose: it makes BuildKit pull docker/dockerfile from
# a registry. The built-in frontend already understands RUN --mount.

ARG GO_IMAGE=golang:1.26

FROM ${GO_IMAGE} AS build
# Empty: the go command's own default; pass --build-arg GOPROXY="$(go env GOPROXY)"
# to use the host's.
ARG GOPROXY=
ENV CGO_ENABLED=0 GOFLAGS=-buildvcs=false GOTOOLCHAIN=local \
    GOMODCACHE=/go/pkg/mod GOCACHE=/root/.cache/go-build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    if [ "$GOPROXY" != off ]; then go mod download; fi
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    GOPROXY=off go build -trimpath -ldflags "-s -w" -o /out/gosinit . \
 && /out/gosinit version \
 && mkdir -p /out/root/tmp && chmod 1777 /out/root/tmp

FROM scratch
# /tmp: a scratch image has none, and gosinit run with --user (not root) keeps
# its status file in /tmp/gosinit-UID/ (root uses /run/gosinit/, which it
# creates itself; run --read-only with --tmpfs /run, and --tmpfs /tmp for
# non-root). 0 bytes, and `gosinit status` works for every user.
COPY --from=build /out/root/ /
COPY --from=build /out/gosinit /gosinit
ENTRYPOINT ["/gosinit"]
CMD ["version"]
