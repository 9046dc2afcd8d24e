#!/usr/bin/env bash
# Runs the reliability scripts of this directory one after another (docs/reliability.md) and
# prints a summary; exits non-zero when any of them missed its goal. Long (≈ 20 min with the
# 10-minute soak and full fuzzing): a nightly job, not part of the fast suite in .ci/run.
#
#   tests/reliability/run_all.sh                 every script
#   tests/reliability/run_all.sh kill9 soak      only these
#   QUICK=1 tests/reliability/run_all.sh         reduced sizes (SCALE=1000, SOAK_SECONDS=120,
#                                                FUZZ_EXAMPLES=20, FAILOVERS=2) for a smoke run
#
# Logs go to RELIABILITY_OUT (default /tmp/qorgau-reliability-<time>). Needs a PostgreSQL
# server for scratch databases (REL_PG_URL, default postgres://postgres@127.0.0.1:5432, a
# superuser without password), psql, python3, and root (or the postgres user) for pg_restart.sh,
# which makes its own private cluster; root and PostgreSQL's server programs for failover.sh
# (a private primary and synchronous standby) and disk_full.sh (small file systems: mount).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${RELIABILITY_OUT:-/tmp/qorgau-reliability-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$out"

# The fault scripts first (cheapest first), then the other engineers' scripts when present.
all=(ifmatch retry_storm two_instances kill9 pg_restart failover disk_full soak backup_restore graceful_shutdown fuzz)
if (($#)); then selected=("$@"); else selected=("${all[@]}"); fi

if [[ "${QUICK:-0}" == 1 ]]; then
    export SCALE="${SCALE:-1000}" SOAK_SECONDS="${SOAK_SECONDS:-120}" FUZZ_EXAMPLES="${FUZZ_EXAMPLES:-20}" \
        FAILOVERS="${FAILOVERS:-2}"
fi
if [[ -z "${QORGAU_BIN:-}" ]]; then
    (cd "$root" && cargo build --release --quiet) || { echo "cargo build --release failed"; exit 1; }
    export QORGAU_BIN="$root/target/release/qorgau"
fi

declare -A status took
failed=0
for name in "${selected[@]}"; do
    script="$here/$name.sh"
    if [[ ! -f "$script" ]]; then
        # Skipped when running everything (a script not written yet); an error when named.
        status[$name]="absent"
        if (($#)); then failed=1; fi
        continue
    fi
    echo "=== $name ($(date +%H:%M:%S)) — log $out/$name.log"
    t0=$SECONDS
    bash "$script" >"$out/$name.log" 2>&1
    rc=$?
    took[$name]=$((SECONDS - t0))
    # The figures: the script's own summary lines, without the progress log.
    grep -v '^\[..:..:.. ' "$out/$name.log" | tail -n 25
    if ((rc == 0)); then status[$name]="PASS"; else status[$name]="FAIL (exit $rc)"; failed=1; fi
done

echo
echo "=== summary (logs in $out)"
for name in "${selected[@]}"; do
    printf '  %-18s %-14s %s\n' "$name" "${status[$name]}" "${took[$name]:+${took[$name]} s}"
done
exit "$failed"
