#!/usr/bin/env bash
# engine-test.sh: gosinit's real-engine test suite, as .ci/run calls it.
#
#   bash docker/engine-test.sh [go test flags...]     (from the repository root)
#
# Installs and starts dockerd with ../shared/tools/docker-engine.sh (beside
# the repository, on CI and development machines alike), makes its local
# base images when they are missing or stale, runs
# `GOSINIT_ENGINE_TESTS=1 go test -count=1 ./docker/`, and stops the engine
# by its pid at the end, pass or fail. An engine that was already running
# when this script started is left running (it is not ours to stop);
# GOSINIT_ENGINE_KEEP=1 also keeps the one this script started.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
engine=${GOSINIT_ENGINE_SCRIPT:-$repo/../shared/tools/docker-engine.sh}
# A plain clone has no ../shared: say so and skip, as the corpus step does
# (.ci/run checks that CI has it, so CI never skips).
[ -f "$engine" ] || { echo "engine-test: $engine not found: the Docker engine suite is skipped" >&2; exit 0; }

export ENGINE_DIR=${ENGINE_DIR:-/tmp/gosinit-engine}
export GO_IMAGE_TAG=${GO_IMAGE_TAG:-gosinit-ci/golang:local}
export BUSYBOX_TAG=${BUSYBOX_TAG:-gosinit-ci/busybox:local}
eval "$(bash "$engine" env)"           # DOCKER_HOST
export DOCKER=${DOCKER:-docker}

log() { printf '[engine-test] %s\n' "$*" >&2; }

bash "$engine" install >/dev/null

started=0
if "$DOCKER" version >/dev/null 2>&1; then
  log "engine already running at $DOCKER_HOST: using it, leaving it running"
else
  bash "$engine" start
  started=1
fi
stop_engine() {
  local rc=$?
  if [ "$started" = 1 ] && [ "${GOSINIT_ENGINE_KEEP:-0}" != 1 ]; then
    bash "$engine" stop || true   # kills dockerd by the pid in its pidfile
  fi
  exit "$rc"
}
trap stop_engine EXIT
trap 'exit 130' INT TERM

# Base images: made once per engine data root; remade when missing or when
# the host's Go toolchain changed (the golang image carries a copy of it).
want_go=$(go version | awk '{print $3}')
have_go=$("$DOCKER" run --rm "$GO_IMAGE_TAG" go version 2>/dev/null | awk '{print $3}' || true)
if [ "$have_go" != "$want_go" ] || ! "$DOCKER" image inspect "$BUSYBOX_TAG" >/dev/null 2>&1; then
  bash "$engine" base-images
fi

cd "$repo"
start=$(date +%s)
rc=0
GOSINIT_ENGINE_TESTS=1 go test -count=1 -timeout 5m "$@" ./docker/ || rc=$?
log "engine suite: exit $rc after $(( $(date +%s) - start ))s"
exit "$rc"
