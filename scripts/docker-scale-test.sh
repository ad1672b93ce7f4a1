#!/usr/bin/env bash
# Three containers of the image on one PostgreSQL behind a local round-robin proxy (Debian's nginx),
# serving a bounded load with no failed request while one container is stopped (SIGTERM, graceful)
# and started again mid-way (issue 4).
#
#   sudo bash scripts/docker-scale-test.sh
#   SCALE_REQUESTS=3000 SCALE_CONCURRENCY=8 bash scripts/docker-scale-test.sh
# Uses this machine's PostgreSQL at 127.0.0.1:5432 (trust auth, user postgres): creates its own
# database and drops it at the end. Containers use --network host (the engine has no bridge) and
# listen on 127.0.0.1 ports below 32768; nginx listens on 127.0.0.1 too. Traffic stays on loopback.
set -euo pipefail
# shellcheck source=scripts/docker-lib.sh
source "$(dirname "$0")/docker-lib.sh"

(
  sleep "${DOCKER_TEST_TIMEOUT:-1800}"
  echo "docker-scale-test: overall timeout" >&2
  kill -TERM $$ 2>/dev/null
) &
WATCHDOG=$!

TAG="pricebook:image-test"
PROXY_PORT="${SCALE_PROXY_PORT:-18080}"
PORTS=(18081 18082 18083)
REQUESTS="${SCALE_REQUESTS:-3000}"
CONCURRENCY="${SCALE_CONCURRENCY:-8}"
PGURL_ADMIN="postgres://postgres@127.0.0.1:5432/postgres"
DB="pricebook_scale_$$"
NGINX_PID=""
DB_CREATED=0

names() { for p in "${PORTS[@]}"; do echo "pricebook-scale-$p"; done; }

finish() {
  local rc=$?
  kill "$WATCHDOG" 2>/dev/null || true
  set +e
  if [[ -n $NGINX_PID ]] && kill -0 "$NGINX_PID" 2>/dev/null; then
    kill -QUIT "$NGINX_PID"
    for _ in $(seq 1 20); do kill -0 "$NGINX_PID" 2>/dev/null || break; sleep 0.25; done
  fi
  if [[ -S $DT_WORK/docker.sock ]]; then
    for n in $(names); do dk rm -f "$n" >/dev/null 2>&1; done
  fi
  if ((DB_CREATED)); then psql -q "$PGURL_ADMIN" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null; fi
  dt_cleanup "$rc"
}

dt_begin
trap finish EXIT
dt_install docker.io:/usr/sbin/dockerd debootstrap:/usr/sbin/debootstrap nginx-light:/usr/sbin/nginx \
  postgresql-client:/usr/bin/psql
pg_isready -q -h 127.0.0.1 -p 5432 || dt_die "no PostgreSQL at 127.0.0.1:5432"
# On the host network each replica needs a metrics port of its own too: its port + 1000.
for p in "$PROXY_PORT" "${PORTS[@]}" $(for p in "${PORTS[@]}"; do echo $((p + 1000)); done); do
  ! ss -ltn "( sport = :$p )" | grep -q LISTEN || dt_die "port $p is taken"
done

dt_start_dockerd
dt_standin_image
dt_build_image "$TAG"

psql -q "$PGURL_ADMIN" -c "CREATE DATABASE $DB" >/dev/null
DB_CREATED=1
DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB"
dt_log "database $DB created; running migrations as a one-off container"
dk run --rm --network host -e DATABASE_URL="$DATABASE_URL" -e LOG_FILE= "$TAG" node dist/migrate.js >/dev/null ||
  dt_die "migration failed"

start_one() {
  local port="$1"
  dk run -d --name "pricebook-scale-$port" --network host \
    -e PORT="$port" -e METRICS_PORT="$((port + 1000))" -e HOST=127.0.0.1 -e DATABASE_URL="$DATABASE_URL" \
    -e MIGRATE_ON_START=false \
    -e LOG_LEVEL=warn -e LOG_FILE= -e SHUTDOWN_GRACE_MS=10000 \
    --health-cmd "node -e \"fetch('http://127.0.0.1:$port/readyz').then(r=>process.exit(r.status===200?0:1),()=>process.exit(1))\"" \
    --health-interval 2s --health-timeout 3s --health-retries 3 --health-start-period 30s \
    "$TAG" >/dev/null
}
for p in "${PORTS[@]}"; do start_one "$p"; done
for n in $(names); do dt_wait_healthy "$n" 60; done
dt_log "3 containers healthy on ports ${PORTS[*]}"

# --- nginx round robin --------------------------------------------------------------------------
mkdir -p "$DT_WORK/nginx"
{
  echo "worker_processes 1; pid $DT_WORK/nginx/nginx.pid; error_log $DT_WORK/nginx/error.log warn; daemon off;"
  echo "events { worker_connections 512; }"
  echo "http {"
  echo "  log_format up '\$status \$upstream_addr \$upstream_status'; access_log $DT_WORK/nginx/access.log up;"
  echo "  client_body_temp_path $DT_WORK/nginx/body; proxy_temp_path $DT_WORK/nginx/proxy;"
  echo "  fastcgi_temp_path $DT_WORK/nginx/fcgi; uwsgi_temp_path $DT_WORK/nginx/uwsgi; scgi_temp_path $DT_WORK/nginx/scgi;"
  echo "  upstream pricebook {"
  for p in "${PORTS[@]}"; do echo "    server 127.0.0.1:$p max_fails=1 fail_timeout=3s;"; done
  echo "    keepalive 16;"
  echo "  }"
  echo "  server {"
  echo "    listen 127.0.0.1:$PROXY_PORT;"
  echo "    location / {"
  echo "      proxy_pass http://pricebook; proxy_http_version 1.1; proxy_set_header Connection '';"
  echo "      proxy_set_header Host \$host;"
  # A draining instance refuses connections or answers 503 before touching the request: retrying
  # those on the next instance (POST included) cannot apply a request twice.
  echo "      proxy_next_upstream error timeout http_502 http_503 non_idempotent; proxy_next_upstream_tries 3;"
  echo "      proxy_connect_timeout 2s; proxy_read_timeout 15s;"
  echo "    }"
  echo "  }"
  echo "}"
} >"$DT_WORK/nginx/nginx.conf"
/usr/sbin/nginx -t -c "$DT_WORK/nginx/nginx.conf" -p "$DT_WORK/nginx" >/dev/null 2>&1 ||
  {
    /usr/sbin/nginx -t -c "$DT_WORK/nginx/nginx.conf" -p "$DT_WORK/nginx"
    dt_die "nginx config"
  }
/usr/sbin/nginx -c "$DT_WORK/nginx/nginx.conf" -p "$DT_WORK/nginx" &
NGINX_PID=$!
for _ in $(seq 1 40); do curl -fsS -o /dev/null "http://127.0.0.1:$PROXY_PORT/healthz" 2>/dev/null && break; sleep 0.25; done
dt_log "nginx round robin on 127.0.0.1:$PROXY_PORT"

# --- bounded load -------------------------------------------------------------------------------
cat >"$DT_WORK/load.mjs" <<'EOF'
// Bounded load: REQUESTS requests (2 GET list : 1 POST create), CONCURRENCY at a time,
// each with a 15 s timeout. Writes progress to PROGRESS; prints a JSON summary.
import { writeFileSync } from 'node:fs';
const [base, total, concurrency, progress, tag] = process.argv.slice(2);
const n = Number(total);
let next = 0, done = 0, ok = 0;
const failures = [];
const started = Date.now();
async function one(i) {
  const post = i % 3 === 2;
  try {
    const res = await fetch(post ? `${base}/api/items/` : `${base}/api/items/?product=${tag}${i % 50}`, {
      method: post ? 'POST' : 'GET',
      headers: post ? { 'content-type': 'application/json' } : {},
      body: post ? JSON.stringify({ product: `${tag}${i % 50}`, price: i }) : undefined,
      signal: AbortSignal.timeout(15000),
    });
    await res.arrayBuffer();
    if ((post && res.status === 201) || (!post && res.status === 200)) ok++;
    else failures.push(`${post ? 'POST' : 'GET'} #${i}: ${res.status}`);
  } catch (e) {
    failures.push(`${post ? 'POST' : 'GET'} #${i}: ${e.cause?.code ?? e.name}`);
  }
  done++;
  if (done % 50 === 0) writeFileSync(progress, String(done));
}
async function worker() { while (next < n) await one(next++); }
await Promise.all(Array.from({ length: Number(concurrency) }, worker));
writeFileSync(progress, String(done));
const seconds = (Date.now() - started) / 1000;
console.log(JSON.stringify({ requests: n, ok, failed: failures.length, seconds, rps: Math.round(n / seconds), failures: failures.slice(0, 10) }));
process.exit(failures.length ? 1 : 0);
EOF
echo 0 >"$DT_WORK/progress"
dt_log "load: $REQUESTS requests, concurrency $CONCURRENCY, through the proxy"
timeout 600 node "$DT_WORK/load.mjs" "http://127.0.0.1:$PROXY_PORT" "$REQUESTS" "$CONCURRENCY" "$DT_WORK/progress" "sc$$-" \
  >"$DT_WORK/load.json" 2>"$DT_WORK/load.err" &
LOAD_PID=$!

# Mid-way: stop one container (SIGTERM, graceful drain) and start it again.
victim="pricebook-scale-${PORTS[1]}"
until (($(cat "$DT_WORK/progress") >= REQUESTS / 3)); do
  kill -0 "$LOAD_PID" 2>/dev/null || break
  sleep 0.1
done
dt_log "after $(cat "$DT_WORK/progress") requests: docker stop $victim"
t_stop=$(date +%s%N)
dk stop -t 30 "$victim" >/dev/null
code="$(dk inspect -f '{{.State.ExitCode}}' "$victim")"
dt_log "$victim stopped in $(dt_since "$t_stop") s, exit code $code"
[[ $code == 0 ]] || dt_die "$victim exited $code on SIGTERM"
sleep 1
dk start "$victim" >/dev/null
dt_wait_healthy "$victim" 60
dt_log "after $(cat "$DT_WORK/progress") requests: $victim healthy again"

load_rc=0
wait "$LOAD_PID" || load_rc=$?
summary="$(cat "$DT_WORK/load.json")"
dt_log "load summary: $summary"
[[ $load_rc == 0 ]] || {
  cat "$DT_WORK/load.err" >&2
  dt_die "failed requests during the rolling stop/start"
}
node -e 'const s=JSON.parse(process.argv[1]); process.exit(s.failed===0 && s.ok===s.requests ? 0 : 1)' "$summary" ||
  dt_die "not every request succeeded"

# Every instance served traffic, the restarted one included (nginx's upstream log).
for p in "${PORTS[@]}"; do
  served="$(grep -c " 127.0.0.1:$p " "$DT_WORK/nginx/access.log" || true)"
  dt_log "127.0.0.1:$p served $served requests"
  ((served > 0)) || dt_die "instance on port $p served nothing"
done
for n in $(names); do dk stop -t 30 "$n" >/dev/null; done
for n in $(names); do
  [[ "$(dk inspect -f '{{.State.ExitCode}}' "$n")" == 0 ]] || dt_die "$n did not exit 0"
done
dt_log "all checks passed"
echo "docker-scale-test: 1 passed, 0 failed"
