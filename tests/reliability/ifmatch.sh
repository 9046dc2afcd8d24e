#!/usr/bin/env bash
# 50 concurrent PATCH /api/v1/cases/{id} with the same If-Match (targets.md § Reliability):
# exactly one 200, the rest 412, the stored version advanced by exactly one and holding the
# winner's change (no lost update). Repeated IFMATCH_ROUNDS times (default 5) on one case.
#
#   tests/reliability/ifmatch.sh            IFMATCH_CLIENTS=50 IFMATCH_ROUNDS=5
source "$(dirname "$0")/faults_lib.sh"
rel_init ifmatch
standard_server
status=0
"$PY" "$FAULTS" ifmatch --creds "$REL_CREDS" --n "${IFMATCH_CLIENTS:-50}" \
    --rounds "${IFMATCH_ROUNDS:-5}" || status=$?
result ifmatch "$status"
exit "$status"
