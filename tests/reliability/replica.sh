#!/usr/bin/env bash
# Reports on a streaming replica, for real (issue 21; docs/operations.md § Reports on a replica).
#
# A private PostgreSQL primary and a hot standby made from it with `pg_basebackup -R`, each on a
# free port in a temporary directory (the shared cluster on 5432 is never touched), then the API
# tests with QORGAU_TEST_DATABASE_URL on the primary and QORGAU_TEST_REPORTS_REPLICA on the
# standby, so that every report of a PostgreSQL test reads the standby (`reports.database_url`):
#   1. replica::on_a_streaming_replica_a_write_appears_in_the_reports_once_replayed — a signal
#      committed on the primary while the standby's replay is paused is not in the indicators,
#      whose `as_of` is older than it; once replayed it is counted and `as_of` moves to its
#      commit (JSON, CSV, aggregates);
#   2. the PostgreSQL half of the reporting tests (reports::postgres::) against the standby. For
#      these the primary commits with `synchronous_commit = remote_apply`, so that each test
#      reads its own writes on the standby as it would on the primary (test 1's database
#      commits locally: its replay is paused on purpose).
# Both clusters are stopped and removed on exit. About a minute once the tests are built.
# Exits non-zero when the standby does not stream or a test fails (or none ran).
#
# Environment:
#   PG_BIN         PostgreSQL's programs (default /usr/lib/postgresql/<newest>/bin)
#   REPLICA_BREAK  to see the script fail: `nowhere` points the reports at a port where nothing
#                  listens, `primary` at the primary instead of the standby
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

step() { printf '\n==> %s\n' "$*"; }

pg_bin=${PG_BIN:-/usr/lib/postgresql/$(ls /usr/lib/postgresql | sort -n | tail -1)/bin}
# initdb and postgres refuse to run as root.
as_pg=()
if [ "$(id -u)" -eq 0 ]; then as_pg=(runuser -u postgres --); fi

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

work=$(mktemp -d /tmp/qorgau-replica.XXXXXX)
chmod 755 "$work"
if [ "$(id -u)" -eq 0 ]; then chown postgres: "$work"; fi
primary_port=$(free_port)
standby_port=$(free_port)
while [ "$standby_port" = "$primary_port" ]; do standby_port=$(free_port); done

# shellcheck disable=SC2317  # run on exit
cleanup() {
  for cluster in standby primary; do
    if [ -f "$work/$cluster/postmaster.pid" ]; then
      "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$work/$cluster" stop -m immediate >/dev/null 2>&1 || true
    fi
  done
  rm -rf "$work"
}
trap cleanup EXIT

sql() { # sql PORT STATEMENT: one value
  psql -X -q -t -A -h 127.0.0.1 -p "$1" -U postgres -d postgres -c "$2"
}

step "the test binary"
# Built as the README's command builds it (in .ci/run: already built, nothing to do); its
# PostgreSQL tests must not be compiled as ignored.
export QORGAU_TEST_DATABASE_URL=${QORGAU_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
tests_bin=$(cargo test --workspace --no-run --message-format=json 2>/dev/null |
  python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "api" and m.get("executable"):
        print(m["executable"])')
[ -x "$tests_bin" ] || { echo "FAIL: no test binary" >&2; exit 1; }
echo "$tests_bin"

step "primary on 127.0.0.1:$primary_port"
"${as_pg[@]}" "$pg_bin/initdb" -D "$work/primary" -U postgres -A trust --no-sync >/dev/null
# Scratch clusters: no fsync (speed, not durability, is wanted here). initdb's pg_hba.conf
# already trusts replication connections from 127.0.0.1.
cat >>"$work/primary/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $primary_port
unix_socket_directories = '$work'
wal_level = replica
max_wal_senders = 4
fsync = off
max_connections = 200
EOF
"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$work/primary" -l "$work/primary.log" -w start >/dev/null

step "standby on 127.0.0.1:$standby_port (pg_basebackup -R)"
"${as_pg[@]}" "$pg_bin/pg_basebackup" -h 127.0.0.1 -p "$primary_port" -U postgres \
  -D "$work/standby" -R -X stream -c fast
cat >>"$work/standby/postgresql.conf" <<EOF
port = $standby_port
hot_standby = on
EOF
"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$work/standby" -l "$work/standby.log" -w start >/dev/null
for _ in $(seq 1 100); do
  [ "$(sql "$primary_port" "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")" = 1 ] && break
  sleep 0.1
done
[ "$(sql "$standby_port" "SELECT pg_is_in_recovery()")" = t ] || {
  echo "FAIL: the standby is not in recovery" >&2; cat "$work/standby.log" >&2; exit 1; }
[ "$(sql "$primary_port" "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")" = 1 ] || {
  echo "FAIL: the standby does not stream" >&2; cat "$work/standby.log" >&2; exit 1; }
sql "$primary_port" "SELECT application_name, state, sync_state FROM pg_stat_replication"

# Commits wait until the standby has applied them: the reporting tests read their own writes.
sql "$primary_port" "ALTER SYSTEM SET synchronous_standby_names = '*'" >/dev/null
sql "$primary_port" "ALTER SYSTEM SET synchronous_commit = 'remote_apply'" >/dev/null
sql "$primary_port" "SELECT pg_reload_conf()" >/dev/null

reports_port=$standby_port
case "${REPLICA_BREAK:-}" in
  "") ;;
  nowhere) reports_port=$(free_port); echo "REPLICA_BREAK: reports read port $reports_port (nothing there)" ;;
  primary) reports_port=$primary_port; echo "REPLICA_BREAK: reports read the primary" ;;
  *) echo "REPLICA_BREAK is nowhere or primary" >&2; exit 2 ;;
esac

export QORGAU_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$primary_port/postgres"
export QORGAU_TEST_REPORTS_REPLICA="postgres://postgres@127.0.0.1:$reports_port"
export QORGAU_REQUIRE_POSTGRES=1

# run_tests NAME ARGS…: the test binary with ARGS; fails unless every selected test passed and
# at least one ran.
run_tests() {
  local name=$1 log="$work/$1.log" status
  shift
  step "$name"
  status=0
  "$tests_bin" "$@" 2>&1 | tee "$log" || status=$?
  if [ "$status" -ne 0 ]; then
    echo "FAIL: $name" >&2
    exit "$status"
  fi
  if ! grep -qE '^test result: ok\. [1-9][0-9]* passed; 0 failed; 0 ignored' "$log"; then
    echo "FAIL: $name: no test ran, or some were ignored" >&2
    exit 1
  fi
}

run_tests "a write on the primary appears in the replica's reports once replayed" \
  --include-ignored --exact replica::on_a_streaming_replica_a_write_appears_in_the_reports_once_replayed
run_tests "the reporting tests, reports read from the standby" reports::postgres::

lag=$(sql "$primary_port" "SELECT coalesce(max(replay_lag), '0')::text FROM pg_stat_replication")
echo
echo "replica: 2 steps passed (standby replay lag at the end: $lag)"
