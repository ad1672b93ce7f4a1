#!/usr/bin/env bash
# Runs ../shared/conformance against the built server (npm run build first), once on a fresh
# SQLite file and once on a fresh PostgreSQL database. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=../shared/conformance/run.mjs
if [ ! -f "$shared" ]; then echo "no ../shared/conformance: skipped"; exit 0; fi
npm run build --silent
work=$(mktemp -d /tmp/pricebook-conformance-XXXX)
pg_admin=${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
db="pricebook_conformance_$$"
cleanup() {
  [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null || true
  psql "$pg_admin" -qc "drop database if exists $db with (force)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

run_against() { # name database_url
  local port
  port=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
  PORT=$port HOST=127.0.0.1 DATABASE_URL="$2" LOG_FILE="$work/$1.log" node dist/server.js >"$work/$1.out" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
  echo "-- conformance on $1"
  node "$shared" --fresh --base "http://127.0.0.1:$port"
  kill -TERM "$pid"; wait "$pid"; pid=
}

run_against sqlite "sqlite:$work/db.sqlite3"
if psql "$pg_admin" -qc "create database $db" >/dev/null 2>&1; then
  run_against postgres "${pg_admin%/*}/$db"
elif [ -n "${REQUIRE_POSTGRES:-}" ]; then
  echo "PostgreSQL required but not reachable at $pg_admin"; exit 1
else
  echo "PostgreSQL not reachable: conformance on PostgreSQL skipped"
fi
