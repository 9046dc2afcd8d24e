#!/usr/bin/env bash
# Idempotent retry storm (targets.md § Reliability): SCALE signal submissions (default 10,000),
# each sent twice with the same Idempotency-Key, the two copies at the same moment from
# different connections, STORM_CLIENTS (default 32) at once. Goal: exactly SCALE signals stored,
# and both answers of each pair are the same 201 with the same signal id.
#
#   tests/reliability/retry_storm.sh          SCALE=1000 for a quick run
source "$(dirname "$0")/faults_lib.sh"
rel_init retry_storm
standard_server
status=0
"$PY" "$FAULTS" storm --creds "$REL_CREDS" --db "$DB" --n "${SCALE:-10000}" \
    --threads "${STORM_CLIENTS:-32}" || status=$?
result retry_storm "$status"
exit "$status"
