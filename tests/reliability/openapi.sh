#!/usr/bin/env bash
# The published OpenAPI document (docs/api.md § The OpenAPI document), checked as an integrator
# would use it: the real binary on a scratch SQLite file serves it; openapi-spec-validator
# validates it against OpenAPI 3.1 (0 errors); openapi-python-client generates a client from it,
# and that client runs the README's tour (tests/reliability/client_tour.py) against the server.
#
# The tools come from PyPI into a virtual environment of their own (OPENAPI_VENV, default
# /tmp/qorgau-openapi-venv), created on first use.
#
# Environment: QORGAU_BIN (default: cargo build, target/debug/qorgau); OPENAPI_VENV;
# OPENAPI_KEEP=1 keeps the work directory (document, generated client, logs).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here="$root/tests/reliability"
cd "$root"
. "$here/lib.sh"

venv=${OPENAPI_VENV:-/tmp/qorgau-openapi-venv}
if [ ! -x "$venv/bin/openapi-python-client" ] || [ ! -x "$venv/bin/openapi-spec-validator" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet openapi-spec-validator openapi-python-client
fi
bin=$(qorgau_bin)

work=$(mktemp -d /tmp/qorgau-openapi.XXXXXX)
server_pid=
finish() {
  status=$?
  stop_server
  if [ "$status" -ne 0 ] || [ "${OPENAPI_KEEP:-0}" = 1 ]; then
    echo "work directory kept: $work"
  else
    rm -rf "$work"
  fi
  exit "$status"
}
trap finish EXIT

export QORGAU_JWT_SECRET="openapi-check-secret-openapi-check-secret"
export QORGAU_LOG_LEVEL=${QORGAU_LOG_LEVEL:-warn}
start_server "$bin" "$work" "sqlite://$work/openapi.db"
load_users "$bin" "$work" "sqlite://$work/openapi.db"
curl -fsS "$base/api/v1/openapi.json" -o "$work/openapi.json"

echo "==> openapi-spec-validator"
"$venv/bin/openapi-spec-validator" --validation-errors all "$work/openapi.json"
python3 - "$work/openapi.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ops = [op for item in d["paths"].values() for op in item.values()]
enums = [k for k, v in d["components"]["schemas"].items() if "enum" in v]
print(f"openapi: {len(ops)} operations, {len(enums)} enum schemas, document valid")
PY

echo "==> openapi-python-client: generate, then the README tour"
(cd "$work" && "$venv/bin/openapi-python-client" generate --path openapi.json --meta none >generate.log 2>&1) \
  || { cat "$work/generate.log" >&2; echo "FAIL: the client could not be generated" >&2; exit 1; }
PYTHONPATH="$work" "$venv/bin/python" "$here/client_tour.py" "$base" "$work/credentials"
echo "openapi: 2 passed, 0 failed"
