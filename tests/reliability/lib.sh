# Shared by the reliability scripts (sourced, not run): the server binary, a free port, a
# `qorgau serve` in the background on a given database, and the demo users' passwords.
# Expects `root` (the repository) to be set by the caller.

# The binary: $QORGAU_BIN, else a debug build of the work tree.
qorgau_bin() {
  if [ -n "${QORGAU_BIN:-}" ]; then
    echo "$QORGAU_BIN"
  else
    (cd "$root" && cargo build --quiet --workspace --bins >&2)
    echo "$root/target/debug/qorgau"
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_server BIN DIR DATABASE_URL: serves DATABASE_URL on a free port in the background,
# logging to DIR/serve.log (standard output to DIR/serve.out; the first admin's password to
# DIR/data/initial-admin-password).
# Sets server_pid and base; returns once /health/ready answers 200.
start_server() {
  local bin=$1 dir=$2 url=$3 port
  port=$(free_port)
  base="http://127.0.0.1:$port"
  mkdir -p "$dir/data"
  QORGAU_DATABASE_URL="$url" QORGAU_DATA_DIR="$dir/data" QORGAU_LISTEN="127.0.0.1:$port" \
    QORGAU_PUBLIC_URL="$base" "$bin" serve >"$dir/serve.out" 2>"$dir/serve.log" &
  server_pid=$!
  for _ in $(seq 1 120); do
    curl -fsS "$base/health/ready" >/dev/null 2>&1 && return 0
    if ! kill -0 "$server_pid" 2>/dev/null; then
      cat "$dir/serve.log" >&2
      echo "FAIL: the server did not start" >&2
      return 1
    fi
    sleep 0.5
  done
  echo "FAIL: the server was not ready within a minute" >&2
  return 1
}

# stop_server: SIGTERM, then wait for the exit.
stop_server() {
  if [ -n "${server_pid:-}" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  server_pid=
}

# load_users BIN DIR DATABASE_URL: runs `qorgau demo` and writes DIR/credentials, one
# `username password` a line: admin (from DIR/data/initial-admin-password) and the demo users.
load_users() {
  local bin=$1 dir=$2 url=$3 admin_password
  # Standard output is a file: the password is in data_dir's 0600 file, not printed.
  admin_password=$(cat "$dir/data/initial-admin-password" 2>/dev/null || true)
  if [ -z "$admin_password" ]; then
    echo "FAIL: no admin password printed (was the database empty?)" >&2
    return 1
  fi
  QORGAU_DATABASE_URL="$url" QORGAU_DATA_DIR="$dir/data" "$bin" demo >"$dir/demo.out" 2>>"$dir/serve.log"
  {
    echo "admin $admin_password"
    awk '$1 ~ /^demo\./ {print $1, $3}' "$dir/demo.out"
  } >"$dir/credentials"
  chmod 600 "$dir/credentials"
}
