# shellcheck shell=bash
# Shared by scripts/docker-image-test.sh and scripts/docker-scale-test.sh (sourced, not run).
#
# Runs a private Docker engine on a machine that has none: Debian's dockerd as root with
# --iptables=false --bridge=none (containers use --network none or host), overlay2 storage,
# its own unix socket, exec-root and pidfile in a per-run temporary directory. Base images
# cannot be pulled here, so `node:22-bookworm-slim` is a stand-in: a Debian bookworm
# `debootstrap --variant=minbase` root filesystem plus this machine's Node.js, npm, Node
# headers and CA bundle, imported under the tag of the Dockerfile's digest-pinned base (a local
# image cannot carry a registry digest) and passed to the build as `--build-arg NODE_IMAGE=`.
#
# Caches (kept between runs, safe to delete):
#   /var/cache/pricebook-docker-test/bookworm-minbase.tar   debootstrap output (~35 s to rebuild)
#   /var/tmp/pricebook-docker-test/data-root               the engine's images and build cache
# DOCKER_TEST_FRESH=1 wipes the data-root first (a cold build: ~3 minutes with better-sqlite3).

set -euo pipefail

DT_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DT_CACHE="${DOCKER_TEST_CACHE:-/var/cache/pricebook-docker-test}"
DT_DATA_ROOT="${DOCKER_TEST_DATA_ROOT:-/var/tmp/pricebook-docker-test/data-root}"
# The Dockerfile's first FROM is its pinned base, `node:<tag>@sha256:<digest>`; the stand-in takes its tag.
DT_PINNED_BASE="$(awk 'toupper($1)=="FROM"{print $2; exit}' "$DT_REPO/Dockerfile")"
DT_BASE_IMAGE="${DT_PINNED_BASE%%@*}"
DT_DOCKER=/usr/bin/docker # Debian's client (matches its dockerd); /usr/local/bin/docker may differ
DT_WORK=""
DT_DOCKERD_PID=""
DT_T0=$(date +%s)

dt_log() { printf '[%4ss] %s\n' "$(($(date +%s) - DT_T0))" "$*"; }
dt_die() {
  dt_log "FAIL: $*" >&2
  exit 1
}
dk() { DOCKER_HOST="unix://$DT_WORK/docker.sock" "$DT_DOCKER" "$@"; }

dt_require_root() { [[ $(id -u) == 0 ]] || dt_die "run as root (dockerd and debootstrap need it)"; }

# Install what this machine lacks, from Debian's packages (the only registry besides npm).
dt_install() {
  local missing=() pkg bin
  for pair in "$@"; do
    pkg="${pair%%:*}" bin="${pair#*:}"
    [[ -x $bin ]] || missing+=("$pkg")
  done
  ((${#missing[@]} == 0)) && return 0
  dt_log "installing ${missing[*]}"
  timeout 300 apt-get update -qq
  DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The package may start a system nginx (no systemd here it normally does not); never ours to keep.
}

dt_rootfs_tarball() {
  local tarball="$DT_CACHE/bookworm-minbase.tar"
  mkdir -p "$DT_CACHE"
  if [[ ! -s $tarball ]]; then
    local dir="$DT_WORK/debootstrap"
    dt_log "debootstrap --variant=minbase bookworm (cold cache)" >&2
    local mirror
    mirror="$(awk '/^URIs:/{print $2; exit} /^deb /{print $2; exit}' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | head -1)"
    timeout 600 debootstrap --variant=minbase bookworm "$dir" "${mirror:-http://deb.debian.org/debian}" >"$DT_WORK/debootstrap.log" 2>&1 ||
      {
        tail -20 "$DT_WORK/debootstrap.log" >&2
        dt_die "debootstrap failed"
      }
    rm -rf "$dir/var/cache/apt/archives/"*.deb "$dir/var/lib/apt/lists/"*
    tar -C "$dir" --numeric-owner -cf "$tarball.tmp" .
    mv "$tarball.tmp" "$tarball"
    rm -rf "$dir"
  fi
  printf '%s\n' "$tarball"
}

dt_start_dockerd() {
  local log="$DT_WORK/dockerd.log"
  mkdir -p "$DT_DATA_ROOT"
  if [[ ${DOCKER_TEST_FRESH:-0} == 1 ]]; then
    dt_log "DOCKER_TEST_FRESH=1: wiping $DT_DATA_ROOT"
    rm -rf "$DT_DATA_ROOT" && mkdir -p "$DT_DATA_ROOT"
  fi
  dt_log "starting dockerd (overlay2, no iptables, no bridge) on $DT_WORK/docker.sock"
  /usr/sbin/dockerd \
    -H "unix://$DT_WORK/docker.sock" \
    --data-root "$DT_DATA_ROOT" \
    --exec-root "$DT_WORK/exec" \
    --pidfile "$DT_WORK/dockerd.pid" \
    --storage-driver overlay2 \
    --iptables=false --ip6tables=false --ip-masq=false --bridge=none \
    --log-level warn >"$log" 2>&1 &
  DT_DOCKERD_PID=$!
  local i
  for i in $(seq 1 60); do
    if dk version >/dev/null 2>&1; then
      dt_log "dockerd $(dk version --format '{{.Server.Version}}') ready (pid $DT_DOCKERD_PID)"
      return 0
    fi
    kill -0 "$DT_DOCKERD_PID" 2>/dev/null || break
    sleep 0.5
  done
  tail -30 "$log" >&2
  dt_die "dockerd did not start"
}

# Stops what this run started: containers are removed by the caller; dockerd (and the containerd
# it manages) by pid, then any mount left under the per-run directory, then the directory.
dt_cleanup() {
  local rc="${1:-$?}"
  set +e
  if [[ -n $DT_DOCKERD_PID ]] && kill -0 "$DT_DOCKERD_PID" 2>/dev/null; then
    kill -TERM "$DT_DOCKERD_PID"
    for _ in $(seq 1 40); do
      kill -0 "$DT_DOCKERD_PID" 2>/dev/null || break
      sleep 0.5
    done
    kill -0 "$DT_DOCKERD_PID" 2>/dev/null && kill -KILL "$DT_DOCKERD_PID"
    wait "$DT_DOCKERD_PID" 2>/dev/null
  fi
  if [[ -n $DT_WORK && -d $DT_WORK ]]; then
    grep -F " $DT_WORK/" /proc/mounts | awk '{print $2}' | sort -r | while read -r m; do umount -l "$m"; done
    grep -F " $DT_DATA_ROOT/" /proc/mounts | awk '{print $2}' | sort -r | while read -r m; do umount -l "$m"; done
    rm -rf "$DT_WORK"
  fi
  dt_log "cleaned up (exit $rc)"
  exit "$rc"
}

# Seconds elapsed since a `date +%s%N` timestamp, with one decimal.
dt_since() { awk -v a="$1" -v b="$(date +%s%N)" 'BEGIN{printf "%.1f", (b-a)/1e9}'; }

dt_begin() {
  dt_require_root
  DT_WORK="$(mktemp -d /var/tmp/pbdt.XXXXXX)"
  trap dt_cleanup EXIT
  trap 'exit 130' INT TERM
  [[ -n $DT_BASE_IMAGE ]] || dt_die "no FROM in Dockerfile"
  grep -q '^ARG NODE_IMAGE=' "$DT_REPO/Dockerfile" || dt_die "the Dockerfile takes no NODE_IMAGE build argument"
}

# Imports the stand-in base image unless the engine already holds the same one.
dt_standin_image() {
  local tarball node npm_dir key
  tarball="$(dt_rootfs_tarball)"
  node="$(readlink -f "$(command -v node)")"
  npm_dir="$(cd "$(dirname "$(readlink -f "$(command -v npm)")")/.." && pwd)"
  key="$(
    {
      stat -c '%s %Y' "$tarball"
      sha256sum "$node" /etc/ssl/certs/ca-certificates.crt | cut -c1-64
      cat "$npm_dir/package.json" | grep '"version"' | head -1
    } | sha256sum | cut -c1-16
  )"
  if [[ "$(dk image inspect "$DT_BASE_IMAGE" --format '{{index .Config.Labels "pricebook.standin"}}' 2>/dev/null)" == "$key" ]]; then
    dt_log "stand-in $DT_BASE_IMAGE is current ($key)"
    return 0
  fi
  dt_log "building stand-in $DT_BASE_IMAGE: bookworm minbase + Node $("$node" --version) + npm $(grep -m1 '"version"' "$npm_dir/package.json" | cut -d'"' -f4)"
  local root="$DT_WORK/standin"
  mkdir -p "$root"
  tar -C "$root" --numeric-owner -xf "$tarball"
  # Same layout as the official image: /usr/local/bin/node, npm under /usr/local/lib/node_modules.
  install -D -m 0755 "$node" "$root/usr/local/bin/node"
  mkdir -p "$root/usr/local/lib/node_modules" "$root/usr/local/include" "$root/usr/local/etc"
  cp -a "$npm_dir" "$root/usr/local/lib/node_modules/npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
  # Node headers, so node-gyp builds better-sqlite3 without downloading them.
  local headers
  headers="$(dirname "$(dirname "$node")")/include/node"
  [[ -d $headers ]] && cp -a "$headers" "$root/usr/local/include/node"
  # This machine's CA bundle: the registry is reached through a TLS-intercepting proxy, and npm
  # fails with SELF_SIGNED_CERT_IN_CHAIN without it.
  install -D -m 0644 /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
  printf 'cafile=/etc/ssl/certs/ca-certificates.crt\nnodedir=/usr/local\nupdate-notifier=false\nfund=false\naudit=false\n' \
    >"$root/usr/local/etc/npmrc"
  # The official image's unprivileged user.
  grep -q '^node:' "$root/etc/passwd" || {
    echo 'node:x:1000:1000::/home/node:/bin/bash' >>"$root/etc/passwd"
    echo 'node:x:1000:' >>"$root/etc/group"
    echo 'node:*:19000:0:99999:7:::' >>"$root/etc/shadow"
    mkdir -p "$root/home/node" && chown 1000:1000 "$root/home/node"
  }
  tar -C "$root" --numeric-owner -c . | dk import \
    --change "LABEL pricebook.standin=$key" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "ENV NODE_VERSION=$("$node" --version | tr -d v)" \
    --change 'CMD ["node"]' \
    - "$DT_BASE_IMAGE" >/dev/null
  rm -rf "$root"
  dt_log "imported $DT_BASE_IMAGE ($key)"
}

dt_build_image() {
  local tag="$1"
  dt_log "DOCKER_BUILDKIT=1 docker build --network host --build-arg NODE_IMAGE=$DT_BASE_IMAGE -t $tag ."
  if ! DOCKER_BUILDKIT=1 DOCKER_HOST="unix://$DT_WORK/docker.sock" timeout "${DOCKER_TEST_BUILD_TIMEOUT:-1200}" \
    "$DT_DOCKER" build --network host --progress plain --build-arg "NODE_IMAGE=$DT_BASE_IMAGE" -t "$tag" "$DT_REPO" \
    >"$DT_WORK/build.log" 2>&1; then
    tail -40 "$DT_WORK/build.log" >&2
    dt_die "docker build failed"
  fi
  dt_log "built $tag ($(dk image inspect "$tag" --format '{{.Size}}' | awk '{printf "%.0f MB", $1/1e6}'))"
}

# Waits for the container's HEALTHCHECK to report healthy.
dt_wait_healthy() {
  local name="$1" limit="${2:-90}" status=""
  for _ in $(seq 1 $((limit * 2))); do
    status="$(dk inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' "$name" 2>/dev/null || echo gone)"
    [[ $status == healthy ]] && return 0
    if [[ $status == unhealthy || $status == gone || $status == none ]]; then break; fi
    [[ "$(dk inspect -f '{{.State.Running}}' "$name")" == true ]] || break
    sleep 0.5
  done
  dk logs --tail 40 "$name" >&2 || true
  dk inspect -f '{{if .State.Health}}{{range .State.Health.Log}}{{.ExitCode}} {{.Output}}{{end}}{{end}}' "$name" 2>/dev/null | tail -5 >&2 || true
  dt_die "$name is not healthy (status: $status)"
}
