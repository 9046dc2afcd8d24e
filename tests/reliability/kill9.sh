#!/usr/bin/env bash
# kill -9 of the server under signal load, KILLS times (default 5) (targets.md § Reliability).
# LOAD_CLIENTS (default 8) clients POST /api/v1/signals with unique Idempotency-Keys and record
# every answer; every KILL_INTERVAL seconds (default 3) the server gets SIGKILL and is started
# again at once. Goals: every signal answered 201 is in the database; restart to ready
# (spawn of the new process to the first 200 of /health/ready) ≤ 1 s each time. Then the
# requests that got no 201 are retried with their keys: the database must end with exactly one
# signal per key.
#
#   tests/reliability/kill9.sh
source "$(dirname "$0")/faults_lib.sh"
rel_init kill9
standard_server
kills="${KILLS:-5}"
interval="${KILL_INTERVAL:-3}"
"$PY" "$FAULTS" signal-load --creds "$REL_CREDS" --stop-file "$REL_WORK/stop" \
    --started "$REL_WORK/started" --out "$REL_WORK/records.jsonl" \
    --threads "${LOAD_CLIENTS:-8}" &
load_pid=$!
REL_PIDS+=("$load_pid")
while [[ ! -e "$REL_WORK/started" ]]; do sleep 0.05; done
: >"$REL_WORK/restarts"
for k in $(seq "$kills"); do
    sleep "$interval"
    kill -KILL "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
    # The poller is started (Python's start-up is not the server's) before the new process is.
    rm -f "$REL_WORK/polling"
    "$PY" "$FAULTS" wait-ready --base "http://127.0.0.1:$PORT" --timeout 30 --print-at \
        --started-file "$REL_WORK/polling" >"$REL_WORK/ready_at" &
    waiter=$!
    while [[ ! -e "$REL_WORK/polling" ]]; do sleep 0.01; done
    t0="$(now)"
    start_server a "$PORT" "$DB"
    if wait "$waiter"; then
        took="$("$PY" -c "print(f'{$(cat "$REL_WORK/ready_at") - $t0:.3f}')")"
    else
        took=999
    fi
    echo "$took" >>"$REL_WORK/restarts"
    log "kill -9 #$k: restarted as pid $SERVER_PID, ready after $took s"
done
sleep "$interval"
touch "$REL_WORK/stop"
wait "$load_pid"
status=0
"$PY" "$FAULTS" check-kill9 --creds "$REL_CREDS" --records "$REL_WORK/records.jsonl" \
    --db "$DB" --restarts "$REL_WORK/restarts" --kills "$kills" || status=$?
result kill9 "$status"
exit "$status"
