#!/usr/bin/env bash
# Soak (targets.md § Reliability): SOAK_SECONDS (default 600) of a mixed workload at a steady
# SOAK_RATE (default 100 requests/s, open loop): 70 % reads (signal and case lists and cards,
# child search, timelines, caseload), 30 % writes (new signals with Idempotency-Key, PATCH of
# cases under If-Match, interventions). The server's RSS is sampled every 5 s from /proc.
# Goals: 0 responses 5xx (nor requests without an answer); RSS growth < 10 % from the end of the
# warm-up (SOAK_WARMUP seconds, default 120, at most a fifth of the run) to the end.
#
#   tests/reliability/soak.sh                SOAK_SECONDS=120 for a quick run
source "$(dirname "$0")/faults_lib.sh"
rel_init soak
standard_server
status=0
"$PY" "$FAULTS" soak --creds "$REL_CREDS" --seconds "${SOAK_SECONDS:-600}" \
    --rate "${SOAK_RATE:-100}" --warmup "${SOAK_WARMUP:-120}" --pid "$SERVER_PID" \
    --rss-out "$REL_WORK/rss.txt" || status=$?
if grep -q "panicked" "$REL_WORK/a.err"; then
    echo "FAIL: the server panicked:"; grep -m3 "panicked" "$REL_WORK/a.err"; status=1
fi
result soak "$status"
exit "$status"
