# shellcheck shell=bash
# Shared by the fault scripts of tests/reliability/ (kill9.sh, pg_restart.sh, retry_storm.sh,
# ifmatch.sh, two_instances.sh, soak.sh). Source it; it is not a script of its own.
#
# Environment (all optional):
#   QORGAU_BIN        the server binary; default target/release/qorgau (built when missing)
#   REL_PG_URL        PostgreSQL server for the scratch databases; default postgres://postgres@127.0.0.1:5432
#   REL_KEEP=1        keep the scratch database and the work directory (logs, records) afterwards
#   PYTHON            default python3 (standard library only)

set -euo pipefail

REL_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$REL_DIR/../.." && pwd)"
PY="${PYTHON:-python3}"
FAULTS="$REL_DIR/faults.py"
REL_PG_URL="${REL_PG_URL:-postgres://postgres@127.0.0.1:5432}"
export PGOPTIONS="${PGOPTIONS:---client-min-messages=warning}"
REL_PIDS=()
REL_DBS=()
REL_CLEANUP_HOOKS=()

log() { printf '[%s %s] %s\n' "$(date +%H:%M:%S)" "${REL_NAME:-rel}" "$*" >&2; }
now() { date +%s.%N; }

# rel_init NAME: a work directory, the binary, cleanup on exit.
rel_init() {
    REL_NAME="$1"
    unset QORGAU_CONFIG
    REL_WORK="$(mktemp -d "/tmp/qorgau-rel-$REL_NAME.XXXXXX")"
    trap rel_cleanup EXIT
    trap 'exit 130' INT TERM
    local bin="${QORGAU_BIN:-$REPO_ROOT/target/release/qorgau}"
    if [[ ! -x "$bin" ]]; then
        log "building the release binary (cargo build --release)"
        (cd "$REPO_ROOT" && cargo build --release --quiet)
    fi
    # A private copy: a rebuild by someone else mid-run must not change the server under test.
    cp "$bin" "$REL_WORK/qorgau"
    REL_BIN="$REL_WORK/qorgau"
    REL_JWT_SECRET="reliability-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    # One audit key for every instance (each has its own data directory): a sealer does not
    # extend a chain signed with another key.
    REL_AUDIT_KEY="reliability-audit-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    log "work directory $REL_WORK"
}

rel_cleanup() {
    local rc=$?
    set +e
    for pid in "${REL_PIDS[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid" 2>/dev/null; fi
    done
    sleep 0.3
    for pid in "${REL_PIDS[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null; fi
    done
    wait 2>/dev/null
    if [[ "${REL_KEEP:-0}" != 1 ]]; then
        for db in "${REL_DBS[@]}"; do
            psql "$db" -qAtX -c "SELECT 1" >/dev/null 2>&1 || continue
            local server="${db%/*}" name="${db##*/}"
            psql "$server/postgres" -qAtX -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null 2>&1
        done
    fi
    # After the databases are dropped and before the work directory is removed (e.g. stopping
    # a private cluster, unmounting a file system made in the work directory).
    for hook in "${REL_CLEANUP_HOOKS[@]}"; do eval "$hook"; done
    if [[ "${REL_KEEP:-0}" != 1 ]]; then
        rm -rf "$REL_WORK"
    else
        log "kept $REL_WORK and ${REL_DBS[*]:-no database}"
    fi
    exit "$rc"
}

free_port() {
    "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# scratch_db SERVER_URL NAME: a fresh empty database; sets SCRATCH_DB to its URL. It sets a
# variable instead of printing the URL because `DB="$(scratch_db ...)"` would run it in a
# subshell, whose `REL_DBS+=` is lost: rel_cleanup would then never drop the database.
scratch_db() {
    local server="$1" name="$2"
    # Registered before it exists: a failure between the two still has it dropped.
    REL_DBS+=("$server/$name")
    psql "$server/postgres" -qAtX -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null
    psql "$server/postgres" -qAtX -c "CREATE DATABASE $name" >/dev/null
    SCRATCH_DB="$server/$name"
}

# start_server LABEL PORT DB_URL [VAR=VALUE ...]: starts `qorgau serve` in the background and
# sets SERVER_PID. Output goes to $REL_WORK/LABEL.out (stdout: the first admin's password) and
# LABEL.err (logs), appended across restarts.
start_server() {
    local label="$1" port="$2" db="$3"
    shift 3
    env QORGAU_DATABASE_URL="$db" \
        QORGAU_LISTEN="127.0.0.1:$port" \
        QORGAU_PUBLIC_URL="http://127.0.0.1:$port" \
        QORGAU_DATA_DIR="$REL_WORK/data-$label" \
        QORGAU_JWT_SECRET="$REL_JWT_SECRET" \
        QORGAU_AUDIT_KEY="$REL_AUDIT_KEY" \
        QORGAU_RATE_LIMIT_PER_SECOND=0 \
        QORGAU_LOG_LEVEL="${REL_LOG_LEVEL:-warn,qorgau_api::worker=info}" \
        "$@" \
        "$REL_BIN" serve >>"$REL_WORK/$label.out" 2>>"$REL_WORK/$label.err" &
    SERVER_PID=$!
    REL_PIDS+=("$SERVER_PID")
}

# wait_ready PORT [TIMEOUT]: prints the seconds until /health/ready answered 200.
wait_ready() {
    "$PY" "$FAULTS" wait-ready --base "http://127.0.0.1:$1" --timeout "${2:-30}"
}

# admin_password LABEL: the first administrator's password, from the 0600 file `qorgau serve`
# writes to its data_dir when standard output is not a terminal (or as printed, at one).
admin_password() {
    local out="$REL_WORK/$1.out" file="$REL_WORK/data-$1/initial-admin-password" _
    for _ in $(seq 100); do
        if [ -s "$file" ] && grep -q initial-admin-password "$out" 2>/dev/null; then
            head -1 "$file"
            return 0
        fi
        if grep -q '^  password: ' "$out" 2>/dev/null; then
            sed -n 's/^  password: //p' "$out" | head -1
            return 0
        fi
        sleep 0.1
    done
    log "no admin password in $out"
    return 1
}

# bootstrap LABEL PORT: district, organisations and users through the REST API; writes
# $REL_WORK/creds.json.
bootstrap() {
    local password
    password="$(admin_password "$1")"
    # `=`: a generated password may begin with "-", which argparse would take for an option.
    "$PY" "$FAULTS" bootstrap --base "http://127.0.0.1:$2" --admin-password="$password" \
        --out "$REL_WORK/creds.json" >&2
    # shellcheck disable=SC2034  # read by the scripts
    REL_CREDS="$REL_WORK/creds.json"
}

# A server on a fresh scratch database of REL_PG_URL, bootstrapped: sets PORT, DB, SERVER_PID,
# REL_CREDS.
standard_server() {
    scratch_db "$REL_PG_URL" "qorgau_rel_$REL_NAME"
    DB="$SCRATCH_DB"
    PORT="$(free_port)"
    start_server a "$PORT" "$DB" "$@"
    local t
    t="$(wait_ready "$PORT" 60)" || { tail -20 "$REL_WORK/a.err" >&2; return 1; }
    log "server pid $SERVER_PID ready on port $PORT in ${t} s (database $DB)"
    bootstrap a "$PORT"
}

# wait_started PID: waits until the load process PID has written $REL_WORK/started; fails the
# script if the load died first.
wait_started() {
    while [[ ! -e "$REL_WORK/started" ]]; do
        kill -0 "$1" 2>/dev/null || { log "the load did not start"; exit 1; }
        sleep 0.05
    done
}

# result NAME STATUS: the last line of each script, read by run_all.sh.
result() {
    if [[ "$2" == 0 ]]; then echo "RESULT $1: PASS"; else echo "RESULT $1: FAIL"; fi
}
