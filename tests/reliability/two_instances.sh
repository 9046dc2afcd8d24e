#!/usr/bin/env bash
# Two `qorgau serve` instances on one PostgreSQL database, racing on lapsing deadlines
# (targets.md § Reliability). Both run the worker every second (QORGAU_WORKER_INTERVAL_SECONDS=1)
# and mail through SMTP to a local sink (faults.py smtp-sink). ESC_WAVES (default 3) times,
# ESC_CASES (default 10) cases are opened and all their pending deadlines set an hour in the past
# with psql. Goal: each escalation email sent exactly once — counted per deadline (case number +
# deadline kind in the mail) and recipient; also checked in the database (every lapsed deadline
# escalated, one timeline event each).
#
#   tests/reliability/two_instances.sh
source "$(dirname "$0")/faults_lib.sh"
rel_init two_instances
smtp_port="$(free_port)"
"$PY" "$FAULTS" smtp-sink --port "$smtp_port" --out "$REL_WORK/mails.jsonl" &
REL_PIDS+=("$!")
mail_env=(QORGAU_WORKER_INTERVAL_SECONDS=1 QORGAU_SMTP_HOST=127.0.0.1 QORGAU_SMTP_PORT="$smtp_port"
          QORGAU_SMTP_SECURITY=none)
standard_server "${mail_env[@]}"
port_b="$(free_port)"
start_server b "$port_b" "$DB" "${mail_env[@]}"
t="$(wait_ready "$port_b" 60)"
log "second instance pid $SERVER_PID ready on port $port_b in $t s; SMTP sink on port $smtp_port"
status=0
"$PY" "$FAULTS" escalations --creds "$REL_CREDS" --db "$DB" --mails "$REL_WORK/mails.jsonl" \
    --logs "$REL_WORK/a.err" "$REL_WORK/b.err" --cases "${ESC_CASES:-10}" \
    --waves "${ESC_WAVES:-3}" || status=$?
result two_instances "$status"
exit "$status"
