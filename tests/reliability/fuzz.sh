#!/usr/bin/env bash
# Schema-driven fuzzing (targets.md § Reliability): schemathesis against every operation of the
# OpenAPI document the server publishes, authenticated as several roles, with the checks
# not_a_server_error and response_schema_conformance. Exits non-zero on any failure, on a panic
# in the server's log, on any 5xx counted by the server's own metrics, or when the audit chain
# does not verify afterwards.
#
# The server is the real binary on a scratch SQLite file (or, with FUZZ_DATABASE_URL, an EMPTY
# PostgreSQL database), loaded with `qorgau demo` and a little case work (seed.py) so that half
# of the generated path ids name records that exist (fuzz_hooks.py).
#
# Environment:
#   FUZZ_EXAMPLES      examples per operation and role (default 100)
#   FUZZ_ROLES         usernames to fuzz as (default: demo.supervisor demo.case.manager admin)
#   FUZZ_MAX_TIME      time budget per role in seconds (schemathesis --max-time; default none)
#   FUZZ_PHASES        schemathesis phases (default: examples,coverage,fuzzing)
#   FUZZ_WORKERS       concurrent schemathesis workers (default 1: with more, Python 3.11's
#                      ast module fails now and then inside Hypothesis, "AST constructor
#                      recursion depth mismatch", an error of the fuzzer, not of the server)
#   FUZZ_CHECKS        schemathesis checks (default not_a_server_error,response_schema_conformance;
#                      `all` adds conformance of statuses, media types and headers, 405 for an
#                      undeclared method, and acceptance of valid / refusal of invalid input)
#   FUZZ_EXCLUDE_CHECKS checks left out of FUZZ_CHECKS, comma-separated (default none)
#   FUZZ_EXCLUDE       operationIds not to fuzz, comma-separated (default none; logout, say, so
#                      that the token is not revoked under the fuzzer's feet)
#   FUZZ_SEED          schemathesis seed, for a reproducible run (default random)
#   FUZZ_BACKEND       sqlite (default: a scratch file) or postgres (a scratch database created
#                      on QORGAU_TEST_DATABASE_URL's server, default postgres://postgres@127.0.0.1:5432/postgres,
#                      and dropped afterwards)
#   FUZZ_DATABASE_URL  instead, the URL of an empty database to use (kept afterwards)
#   QORGAU_BIN         the server binary (default: cargo build, target/debug/qorgau)
#   FUZZ_KEEP=1        keep the work directory (database, logs, reports) even on success
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here="$root/tests/reliability"
cd "$root"

examples=${FUZZ_EXAMPLES:-100}
roles=${FUZZ_ROLES:-demo.supervisor demo.case.manager admin}
phases=${FUZZ_PHASES:-examples,coverage,fuzzing}
workers=${FUZZ_WORKERS:-1}
checks=${FUZZ_CHECKS:-not_a_server_error,response_schema_conformance}

if ! command -v schemathesis >/dev/null; then
  echo "installing schemathesis (PyPI)"
  pip install --quiet schemathesis
fi
. "$here/lib.sh"
bin=$(qorgau_bin)

work=$(mktemp -d /tmp/qorgau-fuzz.XXXXXX)
server_pid=
pg_scratch=
finish() {
  status=$?
  stop_server
  if [ -n "$pg_scratch" ]; then
    psql -X -q "$pg_server" -c "DROP DATABASE IF EXISTS $pg_scratch WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  if [ "$status" -ne 0 ] || [ "${FUZZ_KEEP:-0}" = 1 ]; then
    echo "work directory kept: $work (serve.log, reports)"
  else
    rm -rf "$work"
  fi
  exit "$status"
}
trap finish EXIT

database=${FUZZ_DATABASE_URL:-}
if [ -z "$database" ]; then
  case "${FUZZ_BACKEND:-sqlite}" in
    sqlite) database="sqlite://$work/fuzz.db" ;;
    postgres)
      pg_server=${QORGAU_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
      pg_scratch="qorgau_fuzz_$(python3 -c 'import uuid; print(uuid.uuid4().hex[:12])')"
      psql -X -q "$pg_server" -c "CREATE DATABASE $pg_scratch" >/dev/null
      database="${pg_server%/*}/$pg_scratch"
      ;;
    *) echo "FUZZ_BACKEND must be sqlite or postgres" >&2; exit 2 ;;
  esac
fi
export QORGAU_JWT_SECRET="fuzzing-secret-fuzzing-secret-fuzzing-secret"
# The fuzzer is one client firing as fast as it can: no per-IP limit. And it reuses usernames it
# reads in responses to try logins with made-up passwords, which would lock the accounts it fuzzes
# as: the lockout cannot be turned off, so its threshold is set out of reach.
export QORGAU_RATE_LIMIT_PER_SECOND=0
export QORGAU_LOGIN_MAX_FAILURES=1000000000
export QORGAU_LOG_LEVEL=${QORGAU_LOG_LEVEL:-warn}
start_server "$bin" "$work" "$database"
load_users "$bin" "$work" "$database"
python3 "$here/seed.py" "$base" "$work/credentials" "$work/ids.json"

export PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}"
export SCHEMATHESIS_HOOKS=fuzz_hooks
export FUZZ_BASE_URL="$base" FUZZ_IDS_FILE="$work/ids.json"

failed=()
started=$(date +%s)
for role in $roles; do
  password=$(awk -v u="$role" '$1 == u {print $2}' "$work/credentials")
  [ -n "$password" ] || { echo "FAIL: no password for $role" >&2; exit 1; }
  echo
  echo "==> fuzzing as $role: $examples examples per operation, phases $phases, checks $checks"
  args=(
    --config-file "$here/schemathesis.toml"
    run "$base/api/v1/openapi.json"
    --url "$base"
    --checks "$checks"
    --max-examples "$examples"
    --phases "$phases"
    --workers "$workers"
    --request-timeout 30
    --suppress-health-check all
    --report junit --report-dir "$work/report-$role"
  )
  [ -n "${FUZZ_MAX_TIME:-}" ] && args+=(--max-time "$FUZZ_MAX_TIME")
  [ -n "${FUZZ_SEED:-}" ] && args+=(--seed "$FUZZ_SEED")
  [ -n "${FUZZ_EXCLUDE_CHECKS:-}" ] && args+=(--exclude-checks "$FUZZ_EXCLUDE_CHECKS")
  IFS=, read -ra excluded <<<"${FUZZ_EXCLUDE:-}"
  for id in "${excluded[@]}"; do args+=(--exclude-operation-id "$id"); done
  if ! FUZZ_USERNAME="$role" FUZZ_PASSWORD="$password" schemathesis "${args[@]}"; then
    failed+=("$role")
  fi
  kill -0 "$server_pid" 2>/dev/null || { echo "FAIL: the server died" >&2; exit 1; }
done
elapsed=$(($(date +%s) - started))

# The server's own count of what it answered, whatever schemathesis made of it.
metrics=$(curl -fsS "$base/metrics")
total=$(echo "$metrics" | awk '/^qorgau_http_requests_total\{/ {s += $NF} END {print s + 0}')
server_errors=$(echo "$metrics" | awk '/^qorgau_http_requests_total\{.*status="5[0-9][0-9]"/ {s += $NF} END {print s + 0}')
panics=$(grep -c "panicked" "$work/serve.log" || true)
# In the server's data directory: its audit key and checkpoints.
if QORGAU_DATABASE_URL="$database" QORGAU_DATA_DIR="$work/data" "$bin" audit verify >"$work/audit.out" 2>&1; then audit=ok; else audit=broken; fi

echo
echo "fuzz: ${database%%:*}, roles [$roles], $examples examples per operation, ${elapsed}s"
echo "fuzz: requests answered $total, 5xx $server_errors, panics $panics, audit chain $audit"
echo "$metrics" | grep -E '^qorgau_http_requests_total\{.*status="5' || true
if ((${#failed[@]})) || [ "$server_errors" -ne 0 ] || [ "$panics" -ne 0 ] || [ "$audit" != ok ]; then
  echo "FAIL: schemathesis failures as [${failed[*]:-}]; see $work" >&2
  exit 1
fi
echo "fuzz: PASS"
# The plain closing line CI reads: one per role fuzzed.
echo "fuzz: $(echo $roles | wc -w) passed, 0 failed"
