#!/usr/bin/env bash
# PostgreSQL stopped for OUTAGE_SECONDS (default 10) under load, then started again
# (targets.md § Reliability). Goals: requests answer 503 with Retry-After, never another 5xx
# and never a hang past 5 s; /health/ready answers 503 during the outage; the same server
# process recovers by itself; no acknowledged write is lost.
#
# The outage is made on a private PostgreSQL cluster (FAULT_CLUSTER, default qorgau_fault, on a
# free port from 5433 up), created on first use with pg_createcluster and left stopped
# afterwards (REL_DROP_CLUSTER=1 removes it). The shared cluster on 5432 is never touched.
# Needs root or the postgres user (pg_createcluster / pg_ctlcluster).
#
#   tests/reliability/pg_restart.sh          PG_STOP_MODE=fast|immediate (default fast)
source "$(dirname "$0")/faults_lib.sh"
rel_init pg_restart

pg_version="${PG_VERSION:-$(ls /etc/postgresql | sort -n | tail -1)}"
cluster="${FAULT_CLUSTER:-qorgau_fault}"
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$pg_version $cluster"; then
    fault_port=5433
    while ! "$PY" -c "import socket,sys; s=socket.socket(); s.bind(('127.0.0.1', $fault_port))" 2>/dev/null \
        || pg_lsclusters -h | awk '{print $3}' | grep -qx "$fault_port"; do
        fault_port=$((fault_port + 1))
    done
    log "creating PostgreSQL cluster $pg_version/$cluster on port $fault_port"
    pg_createcluster "$pg_version" "$cluster" -p "$fault_port" --start-conf=manual \
        -- --auth=trust >/dev/null
fi
fault_port="$(pg_lsclusters -h | awk -v v="$pg_version" -v c="$cluster" '$1==v && $2==c {print $3}')"
# shellcheck disable=SC2317  # called from the cleanup hooks
stop_cluster() { pg_ctlcluster "$pg_version" "$cluster" stop -m fast >/dev/null 2>&1 || true; }
# shellcheck disable=SC2317
drop_cluster() {
    if [[ "${REL_DROP_CLUSTER:-0}" == 1 ]]; then
        pg_dropcluster "$pg_version" "$cluster" >/dev/null 2>&1 || true
    fi
}
pg_ctlcluster "$pg_version" "$cluster" start 2>/dev/null || true
# Run at exit after the scratch database is dropped.
REL_CLEANUP_HOOKS+=("stop_cluster" "drop_cluster")
for _ in $(seq 50); do pg_isready -q -h 127.0.0.1 -p "$fault_port" && break; sleep 0.1; done
REL_PG_URL="postgres://postgres@127.0.0.1:$fault_port"
log "private cluster $pg_version/$cluster on port $fault_port"

standard_server
server_pid="$SERVER_PID"
events="$REL_WORK/events"
"$PY" "$FAULTS" signal-load --creds "$REL_CREDS" --stop-file "$REL_WORK/stop" \
    --started "$REL_WORK/started" --out "$REL_WORK/records.jsonl" \
    --threads "${LOAD_CLIENTS:-8}" --reads 50 --ready --timeout 10 &
load_pid=$!
REL_PIDS+=("$load_pid")
while [[ ! -e "$REL_WORK/started" ]]; do sleep 0.05; done
echo "load_started $(now)" >>"$events"
sleep "${WARM_SECONDS:-5}"
echo "pg_stop_called $(now)" >>"$events"
pg_ctlcluster "$pg_version" "$cluster" stop -m "${PG_STOP_MODE:-fast}"
echo "pg_stopped $(now)" >>"$events"
log "PostgreSQL stopped (${PG_STOP_MODE:-fast}); waiting ${OUTAGE_SECONDS:-10} s"
sleep "${OUTAGE_SECONDS:-10}"
echo "pg_start_called $(now)" >>"$events"
pg_ctlcluster "$pg_version" "$cluster" start
echo "pg_started $(now)" >>"$events"
log "PostgreSQL started again"
sleep "${RECOVERY_SECONDS:-15}"
echo "load_stopped $(now)" >>"$events"
touch "$REL_WORK/stop"
wait "$load_pid"

status=0
if kill -0 "$server_pid" 2>/dev/null; then
    echo "server process $server_pid served before, during and after the outage (never restarted)"
else
    echo "FAIL: the server process $server_pid died"
    status=1
fi
"$PY" "$FAULTS" check-outage --records "$REL_WORK/records.jsonl" --events "$events" \
    --db "$DB" || status=1
if grep -q "panicked" "$REL_WORK/a.err"; then
    echo "FAIL: the server panicked:"; grep -m3 "panicked" "$REL_WORK/a.err"; status=1
fi
result pg_restart "$status"
exit "$status"
