#!/usr/bin/env bash
# The image, for real (issue 4): build the Dockerfile with a private Docker engine on a stand-in
# base image, run it with no network, wait for its HEALTHCHECK, check it runs as non-root with
# node as PID 1, create and list an item through `docker exec`, then stop it and check it exits 0
# within the shutdown grace time. Cleans up after itself (dockerd stopped, temp dirs removed).
#
#   sudo bash scripts/docker-image-test.sh          # ~3 min cold, well under a minute warm
#   DOCKER_TEST_FRESH=1 bash scripts/docker-image-test.sh   # rebuild every layer
# Needs: root; Debian's docker.io and debootstrap (installed if missing); the npm registry and
# Debian's mirror (for the image's npm ci and apt-get, through --network host).
set -euo pipefail
# shellcheck source=scripts/docker-lib.sh
source "$(dirname "$0")/docker-lib.sh"

# Bounded in time whatever happens (the build alone is bounded separately).
(
  sleep "${DOCKER_TEST_TIMEOUT:-1800}"
  echo "docker-image-test: overall timeout" >&2
  kill -TERM $$ 2>/dev/null
) &
WATCHDOG=$!

NAME="pricebook-image-test-$$"
TAG="pricebook:image-test"
GRACE_S=10 # SHUTDOWN_GRACE_MS in the image

finish() {
  local rc=$?
  kill "$WATCHDOG" 2>/dev/null || true
  if [[ -n $DT_WORK ]] && [[ -S $DT_WORK/docker.sock ]]; then dk rm -f "$NAME" >/dev/null 2>&1 || true; fi
  dt_cleanup "$rc"
}

dt_begin
trap finish EXIT
dt_install docker.io:/usr/sbin/dockerd debootstrap:/usr/sbin/debootstrap
dt_start_dockerd
dt_standin_image
dt_build_image "$TAG"

# --- static properties of the image -------------------------------------------------------------
user="$(dk image inspect "$TAG" --format '{{.Config.User}}')"
[[ -n $user && $user != root && $user != 0 && $user != 0:0 ]] || dt_die "image USER is '$user'"
ports="$(dk image inspect "$TAG" --format '{{json .Config.ExposedPorts}}')"
[[ $ports == *'"8000/tcp"'* ]] || dt_die "EXPOSE 8000 missing: $ports"
volumes="$(dk image inspect "$TAG" --format '{{json .Config.Volumes}}')"
[[ $volumes == *'/app/data'* && $volumes == *'/app/logs'* ]] || dt_die "volumes: $volumes"
if dk run --rm --network none --entrypoint sh "$TAG" -c 'command -v curl || command -v wget' >/dev/null 2>&1; then
  dt_die "curl or wget found in the image"
fi
# Dev-only packages, as the lockfile marks them: a devDependency that a runtime package also needs
# (ajv, through Fastify) is rightly in the image.
dev_only="$(node -e "
const lock = require('./package-lock.json');
console.log(Object.entries(lock.packages).filter(([, p]) => p.dev).map(([path]) => path).join(' '));
")"
dev="$(dk run --rm --network none --entrypoint sh "$TAG" -c \
  'for p in '"$dev_only"'; do [ -e "/app/$p" ] && echo "${p#node_modules/}"; done; true' | tr '\n' ' ')" ||
  dt_die "could not list node_modules"
dev="${dev% }"
[[ -z $dev ]] || dt_die "devDependencies in the runtime image: $dev"
dt_log "image: USER=$user, EXPOSE 8000, VOLUME /app/data /app/logs, no curl/wget, no devDependencies"

# --- run it -------------------------------------------------------------------------------------
dk run -d --name "$NAME" --network none "$TAG" >/dev/null
t_start=$(date +%s%N)
dt_wait_healthy "$NAME" 90
dt_log "healthy after $(dt_since "$t_start") s (HEALTHCHECK)"

uid="$(dk exec "$NAME" id -u)"
[[ $uid != 0 ]] || dt_die "the service runs as root"
pid1="$(dk exec "$NAME" cat /proc/1/cmdline | tr '\0' ' ')"
[[ $pid1 == "node dist/server.js " ]] || dt_die "PID 1 is '$pid1', expected node"
dk exec "$NAME" sh -c 'touch /app/data/.w /app/logs/.w && rm /app/data/.w /app/logs/.w' || dt_die "data/ or logs/ not writable"
if dk exec "$NAME" sh -c 'touch /app/dist/.w' 2>/dev/null; then dt_die "the code is writable by the service user"; fi
dt_log "runs as uid $uid, PID 1 = node dist/server.js, data/ and logs/ writable, dist/ read-only"

# One create/list round trip through the API, from inside the container (it has no network).
product="img$$"
out="$(dk exec "$NAME" node -e "
const base = 'http://127.0.0.1:8000/api/items/';
(async () => {
  const c = await fetch(base, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ product: process.argv[1], price: 123 }) });
  const created = await c.json();
  if (c.status !== 201 || created.product !== process.argv[1] || created.price !== 123) {
    console.error('create', c.status, JSON.stringify(created)); process.exit(1);
  }
  const l = await fetch(base + '?product=' + encodeURIComponent(process.argv[1]));
  const listed = await l.json();
  const items = Array.isArray(listed) ? listed : listed.results;
  if (l.status !== 200 || !items.some((i) => i.id === created.id && i.price === 123)) {
    console.error('list', l.status, JSON.stringify(listed)); process.exit(1);
  }
  const page = await fetch('http://127.0.0.1:8000/', { headers: { accept: 'text/html' } });
  if (page.status !== 200) { console.error('GET / (public/)', page.status); process.exit(1); }
  const r = await fetch('http://127.0.0.1:8000/readyz');
  console.log('created id', created.id, 'listed', items.length, 'readyz', r.status);
  process.exit(r.status === 200 ? 0 : 1);
})().catch((e) => { console.error(e); process.exit(1); });
" "$product")" || dt_die "API round trip failed"
dt_log "API: $out"
dk exec "$NAME" test -s /app/data/db.sqlite3 || dt_die "no SQLite database in the data volume"
logs="$(dk logs "$NAME" 2>&1)"
[[ -n $logs ]] || dt_die "nothing logged to stdout/stderr"

# --- stop: SIGTERM, graceful exit 0 within the grace time ----------------------------------------
t_stop=$(date +%s%N)
dk stop -t $((GRACE_S + 20)) "$NAME" >/dev/null
stop_s="$(dt_since "$t_stop")"
code="$(dk inspect -f '{{.State.ExitCode}}' "$NAME")"
oom="$(dk inspect -f '{{.State.OOMKilled}}' "$NAME")"
[[ $code == 0 ]] || {
  dk logs --tail 20 "$NAME" >&2
  dt_die "exit code $code after SIGTERM (OOM: $oom)"
}
awk -v s="$stop_s" -v g="$GRACE_S" 'BEGIN{exit !(s < g)}' || dt_die "stop took ${stop_s}s (grace ${GRACE_S}s)"
dt_log "stopped by SIGTERM in $stop_s s, exit code 0"

dk rm "$NAME" >/dev/null
dk image prune -f >/dev/null 2>&1 || true
# Bound the persistent build cache (old npm ci layers pile up as dependencies change).
dk builder prune -f --keep-storage 3GB >/dev/null 2>&1 || true
dt_log "all checks passed"
echo "docker-image-test: 1 passed, 0 failed"
