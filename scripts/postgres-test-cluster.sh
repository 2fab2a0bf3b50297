#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests and benchmarks, on a free loopback port.
#
#   scripts/postgres-test-cluster.sh start        # prints DATABASE_URL=... and PGTEST_DIR=...
#   scripts/postgres-test-cluster.sh stop <dir>   # stops that cluster's postmaster by PID, removes <dir>
#
# initdb runs in a new temp dir with trust auth for role `registrar` (loopback only, so trust is
# acceptable for a test cluster). PostgreSQL refuses to run as root: as root the server runs as the
# `postgres` system user (Debian's package creates it; scripts/install-test-deps.sh installs it).
# The e2e suites start their own cluster through test/support/postgres.ts; this script is for
# running services, `npm run bench` or CI steps by hand against PostgreSQL.
set -euo pipefail

bindir() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -rn); do
    if [[ -x "$d/initdb" ]]; then echo "$d"; return 0; fi
  done
  echo "PostgreSQL server binaries not found (run scripts/install-test-deps.sh)" >&2
  return 1
}

as_server_user() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

start() {
  local bin dir port
  bin=$(bindir)
  dir=$(mktemp -d "${TMPDIR:-/tmp}/registrar-pgtest-XXXXXX")
  if [[ $(id -u) -eq 0 ]]; then chown postgres "$dir"; fi
  as_server_user "$bin/initdb" -D "$dir/data" -A trust -U registrar -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 1; }
  port=$(free_port)
  as_server_user "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off -c max_connections=200" \
    start >/dev/null || { tail -20 "$dir/server.log" >&2; exit 1; }
  echo "DATABASE_URL=postgres://registrar@127.0.0.1:$port/postgres"
  echo "PGTEST_DIR=$dir"
  echo "PGTEST_PID=$(head -1 "$dir/data/postmaster.pid")"
}

stop() {
  local dir=${1:?usage: $0 stop <dir printed by start>} pid i
  [[ -f "$dir/data/postmaster.pid" ]] || { echo "no running cluster in $dir" >&2; rm -rf "$dir"; return 0; }
  pid=$(head -1 "$dir/data/postmaster.pid")
  # SIGINT = PostgreSQL's "fast" shutdown; our postmaster only, by its PID.
  kill -INT "$pid" 2>/dev/null || true
  for i in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  rm -rf "$dir"
  echo "stopped postmaster $pid"
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  *) echo "usage: $0 start | stop <dir>" >&2; exit 2 ;;
esac
