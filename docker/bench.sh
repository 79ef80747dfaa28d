#!/usr/bin/env bash
# bench.sh: the numbers in docker/README.md's benchmark.
#
#   bash docker/bench.sh [RUNS]        (engine running, DOCKER_HOST set; root)
#
# Measures the scratch image's size, and `docker stop` wall time of the
# multi-process example (docker/multi) under gosinit and, with the same
# supervisord.conf, under Debian's supervisord, RUNS times each (default 10). Two figures per run: the wall time of the
# `docker stop` command, and SIGTERM-to-exit: from just before `docker stop`
# to the container's State.FinishedAt (same clock), which leaves out the
# client and API work after the container has exited.
#
# The supervisord image, without a registry: a busybox-static root (as
# ../shared/tools/docker-engine.sh makes it) plus Debian's own python3.11 and
# supervisor 4.2.5 files copied from this host: every file of the packages
# python3.11-minimal, libpython3.11-minimal, libpython3.11-stdlib,
# python3-pkg-resources and supervisor (dpkg -L), and the shared libraries
# that python3.11 and its lib-dynload modules link (ldd). No debootstrap
# (minutes, and a mirror), no pip: the same bytes Debian installs.
set -euo pipefail

runs=${1:-10}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DOCKER=${DOCKER:-docker}
BK_DOCKER=${BK_DOCKER:-/usr/bin/docker}
GO_IMAGE_TAG=${GO_IMAGE_TAG:-gosinit-ci/golang:local}
BUSYBOX_TAG=${BUSYBOX_TAG:-gosinit-ci/busybox:local}
work=$(mktemp -d /tmp/gosinit-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

build() { DOCKER_BUILDKIT=1 "$BK_DOCKER" build --network=host -q "$@" >/dev/null; }

build --build-arg GO_IMAGE="$GO_IMAGE_TAG" -t gosinit-ci/gosinit:bench "$repo"
build --build-arg GOSINIT_IMAGE=gosinit-ci/gosinit:bench --build-arg BASE_IMAGE="$BUSYBOX_TAG" \
  -t gosinit-ci/multi:bench "$repo/docker/multi"

# --- the supervisord image ---
root=$work/root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,root,run,www}
cp /bin/busybox "$root/bin/busybox"
chroot "$root" /bin/busybox --install -s
echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
echo 'root:x:0:' >"$root/etc/group"
chmod 1777 "$root/tmp"
for pkg in python3.11-minimal libpython3.11-minimal libpython3.11-stdlib python3-pkg-resources supervisor; do
  dpkg -L "$pkg" | while read -r f; do
    if [ -f "$f" ] && [ ! -e "$root$f" ]; then mkdir -p "$root$(dirname "$f")"; cp -a "$f" "$root$f"; fi
  done
done
ln -sf python3.11 "$root/usr/bin/python3"
{ ldd /usr/bin/python3.11; for so in /usr/lib/python3.11/lib-dynload/*.so; do ldd "$so"; done; } 2>/dev/null |
  grep -o '/[^ ]*' | sort -u | while read -r lib; do
    mkdir -p "$root$(dirname "$lib")"; cp -L "$lib" "$root$lib"
  done
mkdir -p "$root/etc/gosinit"
cp "$repo/docker/multi/supervisord.conf" "$root/etc/gosinit/"
cp -a "$repo/docker/multi/www/." "$root/www/"
tar -C "$root" -c . | "$DOCKER" import \
  -c 'ENTRYPOINT ["/usr/bin/supervisord", "-n", "-c", "/etc/gosinit/supervisord.conf"]' \
  - gosinit-ci/multi-supervisord:bench >/dev/null

size() { "$DOCKER" image inspect -f '{{.Size}}' "$1"; }
printf 'image sizes (bytes): gosinit scratch %s, multi on gosinit %s, multi on supervisord %s\n' \
  "$(size gosinit-ci/gosinit:bench)" "$(size gosinit-ci/multi:bench)" "$(size gosinit-ci/multi-supervisord:bench)"

# stop_time RUN-ARGS...: start, wait until both programs are up (the
# examples) or a moment (the floor), time `docker stop`.
stop_time() {
  local name=gosinit-bench-$$ i t0 t1
  "$DOCKER" rm -f "$name" >/dev/null 2>&1 || true
  "$DOCKER" run -d --name "$name" "$@" >/dev/null
  for i in $(seq 1 100); do
    [ "$1" = --init ] && break
    "$DOCKER" logs "$name" 2>&1 | grep -q 'tick 1' && "$DOCKER" exec "$name" wget -qO /dev/null http://127.0.0.1:8080/ 2>/dev/null && break
    sleep 0.1
  done
  sleep 1.5   # past startsecs: both programs RUNNING under either supervisor
  t0=$(date +%s%N)
  "$DOCKER" stop "$name" >/dev/null
  t1=$(date +%s%N)
  local code fin; read -r code fin < <("$DOCKER" inspect -f '{{.State.ExitCode}} {{.State.FinishedAt}}' "$name")
  fin=$(date -d "$fin" +%s%N)
  "$DOCKER" rm -f "$name" >/dev/null
  echo "$(( (t1 - t0) / 1000000 )) $(( (fin - t0) / 1000000 )) $code"
}

# The floor: Docker's own tini in front of one `sleep`, the least work a
# stop can be (tini forwards SIGTERM, sleep dies, tini exits).
for img in gosinit-ci/multi:bench gosinit-ci/multi-supervisord:bench "--init $BUSYBOX_TAG sleep 1000"; do
  times=() exits=() codes=()
  for r in $(seq 1 "$runs"); do
    # shellcheck disable=SC2086 # the floor's run arguments split on purpose
    read -r ms ex code < <(stop_time $img)
    times+=("$ms"); exits+=("$ex"); codes+=("$code")
  done
  median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
  sorted() { printf '%s\n' "$@" | sort -n | tr '\n' ' '; }
  printf '%s\n  docker stop wall: median %d ms (sorted: %s)\n  SIGTERM to exit:  median %d ms (sorted: %s)\n  exit codes: %s\n' \
    "$img" "$(median "${times[@]}")" "$(sorted "${times[@]}")" "$(median "${exits[@]}")" "$(sorted "${exits[@]}")" "${codes[*]}"
done
