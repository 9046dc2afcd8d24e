#!/usr/bin/env bash
# Backup and restore of a RUNNING server (targets.md § Reliability; docs/operations.md § Backups).
#
# For each backend: `qorgau serve` on a fresh database, loaded with `qorgau demo` and some case
# work (seed.py), while trickle.py files a signal every 50 ms and the worker seals the audit
# chain every second. Then, with writes under way:
#   PostgreSQL: pg_dump -Fc of an exported snapshot, rows counted in that same snapshot;
#   SQLite:     sqlite3's online backup (.backup) inside one read transaction with the counts.
# The backup is restored into a fresh database (pg_restore; sqlite3 .restore), and the script
# checks that every table's row count equals the count at the snapshot, that every signal
# acknowledged (201) before the backup began is in the copy, and that `qorgau audit verify`
# passes on the copy. Exits non-zero otherwise.
#
# Environment:
#   BACKUP_BACKENDS           "sqlite postgres" (default) or one of them
#   QORGAU_TEST_DATABASE_URL  a PostgreSQL server to create the scratch databases on
#                             (default postgres://postgres@127.0.0.1:5432/postgres); when it
#                             does not answer, PostgreSQL is skipped unless
#                             BACKUP_REQUIRE_POSTGRES=1
#   QORGAU_BIN                the server binary (default: cargo build, target/debug/qorgau)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here="$root/tests/reliability"
cd "$root"
. "$here/lib.sh"

backends=${BACKUP_BACKENDS:-sqlite postgres}
pg_server=${QORGAU_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
pg_base=${pg_server%/*}

if ! command -v sqlite3 >/dev/null; then
  echo "installing the sqlite3 command-line shell"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sqlite3
fi
bin=$(qorgau_bin)

work=$(mktemp -d /tmp/qorgau-backup.XXXXXX)
server_pid=
trickle_pid=
pg_databases=()
finish() {
  status=$?
  [ -n "$trickle_pid" ] && kill "$trickle_pid" 2>/dev/null || true
  stop_server
  for db in "${pg_databases[@]}"; do
    psql -X -q "$pg_server" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  done
  if [ "$status" -ne 0 ] || [ "${BACKUP_KEEP:-0}" = 1 ]; then
    echo "work directory kept: $work"
  else
    rm -rf "$work"
  fi
  exit "$status"
}
trap finish EXIT

export QORGAU_JWT_SECRET="backup-secret-backup-secret-backup-secret"
export QORGAU_RATE_LIMIT_PER_SECOND=0
export QORGAU_WORKER_INTERVAL_SECONDS=1
export QORGAU_LOG_LEVEL=${QORGAU_LOG_LEVEL:-warn}
export PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}"

results=()
run() {
  local backend=$1 dir="$work/$1" live restored backup id
  mkdir -p "$dir"
  id=$(python3 -c 'import uuid; print(uuid.uuid4().hex[:12])')
  case "$backend" in
    sqlite)
      live="sqlite://$dir/live.db"
      backup="$dir/backup.db"
      restored="$dir/restored.db"
      ;;
    postgres)
      live="$pg_base/qorgau_backup_live_$id"
      backup="$dir/backup.dump"
      restored="$pg_base/qorgau_backup_restored_$id"
      pg_databases+=("qorgau_backup_live_$id" "qorgau_backup_restored_$id")
      psql -X -q "$pg_server" -c "CREATE DATABASE qorgau_backup_live_$id" >/dev/null
      ;;
  esac

  echo "==> $backend: serving, loading, writing"
  start_server "$bin" "$dir" "$live"
  load_users "$bin" "$dir" "$live"
  python3 "$here/seed.py" "$base" "$dir/credentials" "$dir/ids.json" 12 >/dev/null
  rm -f "$dir/stop"
  python3 "$here/trickle.py" "$base" "$dir/credentials" "$dir/trickle.log" "$dir/stop" 0.05 &
  trickle_pid=$!
  sleep 3

  echo "==> $backend: backing up the live database"
  case "$backend" in
    sqlite) python3 "$here/backup_snapshot.py" sqlite "$dir/live.db" "$backup" "$dir/snapshot.json" ;;
    postgres) python3 "$here/backup_snapshot.py" postgres "$live" "$backup" "$dir/snapshot.json" ;;
  esac
  # Writes go on after the snapshot: none of them may show up in the copy.
  sleep 2
  touch "$dir/stop"
  wait "$trickle_pid"
  trickle_pid=
  stop_server

  echo "==> $backend: restoring into a fresh database"
  case "$backend" in
    sqlite)
      sqlite3 "$restored" ".restore '$backup'"
      python3 "$here/backup_snapshot.py" count sqlite "$restored" "$dir/restored.json"
      restored_url="sqlite://$restored"
      ;;
    postgres)
      psql -X -q "$pg_server" -c "CREATE DATABASE qorgau_backup_restored_$id" >/dev/null
      pg_restore --no-owner --exit-on-error -d "$restored" "$backup"
      python3 "$here/backup_snapshot.py" count postgres "$restored" "$dir/restored.json"
      restored_url="$restored"
      ;;
  esac

  local verdict
  verdict=$(python3 - "$dir/snapshot.json" "$dir/restored.json" "$dir/trickle.log" "$backup" <<'EOF'
import json, os, sys
snapshot, restored = (json.load(open(p)) for p in sys.argv[1:3])
acks = [line.split() for line in open(sys.argv[3]) if line.strip()]
started = snapshot["started_at"]
before = {i for t, s, i in acks if s == "201" and float(t) < started}
after = [i for t, s, i in acks if s == "201" and float(t) >= started]
others = [s for t, s, i in acks if s != "201"]
have = set(restored["signal_ids"])
missing_acks = sorted(before - have)
tables = sorted(set(snapshot["counts"]) | set(restored["counts"]))
diff = [f"{t}: snapshot {snapshot['counts'].get(t)} restored {restored['counts'].get(t)}"
        for t in tables if snapshot["counts"].get(t) != restored["counts"].get(t)]
rows = sum(snapshot["counts"].values())
size = os.path.getsize(sys.argv[4])
print(f"tables {len(tables)}, rows {rows}, mismatched tables {len(diff)}; "
      f"signals acknowledged before the backup {len(before)}, missing from the copy {len(missing_acks)}; "
      f"acknowledged during/after it {len(after)}; non-201 answers {len(others)}; "
      f"backup {size // 1024} KiB in {snapshot['seconds']:.2f} s")
for line in diff + [f"missing acknowledged signal {i}" for i in missing_acks[:10]]:
    print("  " + line)
sys.exit(1 if diff or missing_acks or others or not before or not after else 0)
EOF
  ) && ok=yes || ok=no
  echo "$backend: $verdict"
  local audit
  # With the live server's key but a data directory of its own: the live server's checkpoints
  # run past the backup's moment (a restore loses what came after it, and says so).
  if audit=$(QORGAU_DATABASE_URL="$restored_url" QORGAU_DATA_DIR="$dir/restored-data" \
    QORGAU_AUDIT_KEY="$(cat "$dir/data/audit-key")" "$bin" audit verify 2>&1); then
    echo "$backend: restored copy: $audit"
  else
    echo "$backend: restored copy: $audit" >&2
    ok=no
  fi
  results+=("$backend:$ok")
}

for backend in $backends; do
  if [ "$backend" = postgres ] && ! psql -X -q "$pg_server" -c "SELECT 1" >/dev/null 2>&1; then
    if [ "${BACKUP_REQUIRE_POSTGRES:-0}" = 1 ]; then
      echo "FAIL: PostgreSQL at $pg_server does not answer" >&2
      exit 1
    fi
    echo "==> postgres: skipped, $pg_server does not answer"
    # Named in the summary as skipped: a backend not checked must not read as passed.
    results+=("postgres:skipped")
    continue
  fi
  run "$backend"
done

echo
echo "backup/restore: ${results[*]}"
skipped=0
for r in "${results[@]}"; do
  case "${r#*:}" in
    yes) ;;
    skipped) skipped=$((skipped + 1)) ;;
    *) echo "FAIL" >&2; exit 1 ;;
  esac
done
if ((skipped == ${#results[@]})); then
  echo "backup/restore: nothing checked, every backend skipped" >&2
  exit 1
elif ((skipped)); then
  echo "backup/restore: PASS for the backends checked, $skipped skipped"
else
  echo "backup/restore: PASS"
fi
