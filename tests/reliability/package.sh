#!/usr/bin/env bash
# The Debian package, as an operator installs it (docs/operations.md § The Debian package):
# packaging/build-deb.sh builds it from a given binary (CI passes the debug binary it already
# built: no release build here), the unit is checked with `systemd-analyze verify`, `dpkg -i`
# installs it, and then — as the package's user `qorgau`, with the unit's environment and
# working directory, by hand since systemd is not PID 1 in CI — `qorgau migrate` and `qorgau
# serve` run on SQLite in /var/lib/qorgau and on a free port until /health/ready answers 200;
# the first administrator's password is read from its 0600 file and logs in; SIGTERM stops the
# server; `dpkg --purge` removes the package.
#
# Needs root (dpkg). Refuses to run where a qorgau package or /var/lib/qorgau already exists.
# Environment: QORGAU_BIN (default: cargo build, target/debug/qorgau); PACKAGE_KEEP=1 keeps
# the work directory.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here="$root/tests/reliability"
cd "$root"
. "$here/lib.sh"

fail() { echo "FAIL: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || fail "run as root (dpkg -i)"
if dpkg-query -W -f='${Status}' qorgau 2>/dev/null | grep -q installed; then
  fail "a qorgau package is installed here already; not touching it"
fi
[ ! -e /var/lib/qorgau ] || fail "/var/lib/qorgau exists already; not touching it"
user_existed=0
getent passwd qorgau >/dev/null && user_existed=1

bin=$(qorgau_bin)
work=$(mktemp -d /tmp/qorgau-package.XXXXXX)
server_pid=
installed=0
finish() {
  status=$?
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ "$installed" = 1 ]; then
    dpkg --purge qorgau >/dev/null 2>&1 || true
  fi
  # What an operator keeps on purge (the data, the user) goes too: this machine is not ours.
  cd /
  rm -rf /var/lib/qorgau
  if [ "$user_existed" = 0 ] && getent passwd qorgau >/dev/null; then
    userdel qorgau 2>/dev/null || true
  fi
  getent group qorgau >/dev/null && [ "$user_existed" = 0 ] && groupdel qorgau 2>/dev/null || true
  if [ "$status" -ne 0 ] || [ "${PACKAGE_KEEP:-0}" = 1 ]; then
    echo "work directory kept: $work"
    [ -f "$work/serve.log" ] && tail -20 "$work/serve.log" >&2
  else
    rm -rf "$work"
  fi
  exit "$status"
}
trap finish EXIT

echo "==> build the .deb from $bin"
deb=$(bash "$root/packaging/build-deb.sh" "$bin" "$work")
version=$(awk '/^\[workspace.package\]/{p=1; next} /^\[/{p=0} p && /^version *=/{gsub(/[" ]/, "", $3); print $3; exit}' Cargo.toml)
[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || fail "the package's version is not Cargo.toml's $version"
dpkg-deb -c "$deb" >"$work/contents"
for path in ./usr/bin/qorgau ./lib/systemd/system/qorgau.service ./etc/qorgau/default.toml \
  ./etc/qorgau/calendar.toml ./etc/qorgau/protocols/default.toml ./etc/qorgau/qorgau.toml \
  ./etc/qorgau/qorgau.env; do
  grep -q " $path\$" "$work/contents" || fail "$path is not in the package"
done
dpkg-deb -I "$deb" conffiles >"$work/conffiles"
grep -qx /etc/qorgau/qorgau.toml "$work/conffiles" || fail "qorgau.toml is not a conffile"
grep -qx /etc/qorgau/default.toml "$work/conffiles" || fail "default.toml is not a conffile"
echo "package: $(basename "$deb"), $(du -h "$deb" | cut -f1); depends: $(dpkg-deb -f "$deb" Depends)"

echo "==> the unit"
unit="$root/packaging/debian/qorgau.service"
for line in "User=qorgau" "EnvironmentFile=-/etc/qorgau/qorgau.env" "TimeoutStopSec=40" \
  "Environment=MALLOC_ARENA_MAX=2" "NoNewPrivileges=yes" "ProtectSystem=strict" \
  "ProtectHome=yes" "PrivateTmp=yes" "ReadWritePaths=/var/lib/qorgau"; do
  grep -qx "$line" "$unit" || fail "the unit lacks $line"
done

echo "==> dpkg -i"
dpkg -i "$deb" >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log" >&2; fail "dpkg -i"; }
installed=1
getent passwd qorgau >/dev/null || fail "no user qorgau after installing"
[ "$(stat -c '%U:%G %a' /var/lib/qorgau)" = "qorgau:qorgau 750" ] \
  || fail "/var/lib/qorgau is $(stat -c '%U:%G %a' /var/lib/qorgau), not qorgau:qorgau 750"
[ "$(stat -c '%U:%G %a' /etc/qorgau/qorgau.env)" = "root:qorgau 640" ] \
  || fail "qorgau.env is $(stat -c '%U:%G %a' /etc/qorgau/qorgau.env), not root:qorgau 640"
if command -v systemd-analyze >/dev/null; then
  # The installed unit, as systemd would read it (its binary must exist: it does now).
  if systemd-analyze verify /lib/systemd/system/qorgau.service >"$work/verify.log" 2>&1; then
    echo "systemd-analyze verify: no complaint"
  else
    cat "$work/verify.log" >&2
    fail "systemd-analyze verify"
  fi
else
  echo "systemd-analyze not installed: the unit is not verified"
fi

# The unit's command line, by hand: its user, working directory and environment.
port=$(free_port)
base="http://127.0.0.1:$port"
service_env=(env -i PATH=/usr/bin:/bin QORGAU_CONFIG=/etc/qorgau/qorgau.toml QORGAU_LOG_FORMAT=json
  MALLOC_ARENA_MAX=2 "QORGAU_LISTEN=127.0.0.1:$port" "QORGAU_PUBLIC_URL=$base" QORGAU_LOG_LEVEL=warn
  setpriv --reuid=qorgau --regid=qorgau --init-groups --no-new-privs /usr/bin/qorgau)
cd /var/lib/qorgau

echo "==> qorgau migrate, as qorgau"
"${service_env[@]}" migrate >"$work/migrate.out" 2>"$work/migrate.log" \
  || { cat "$work/migrate.log" >&2; fail "qorgau migrate as the user qorgau"; }
cat "$work/migrate.out"
[ "$(stat -c %U /var/lib/qorgau/qorgau.db)" = qorgau ] || fail "the database is not the user's"

echo "==> qorgau serve, as qorgau, on port $port"
"${service_env[@]}" serve >"$work/serve.out" 2>"$work/serve.log" &
server_pid=$!
for _ in $(seq 1 120); do
  curl -fsS "$base/health/ready" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || fail "the server stopped"
  sleep 0.5
done
[ "$(curl -s -o /dev/null -w '%{http_code}' "$base/health/ready")" = 200 ] \
  || fail "/health/ready did not answer 200 within a minute"
echo "/health/ready: 200"
[ "$(ps -o user= -p "$server_pid" | tr -d ' ')" = qorgau ] || fail "the server does not run as qorgau"

# Standard output is a file, not a terminal: the password is in a 0600 file, not printed.
secret=/var/lib/qorgau/initial-admin-password
[ -f "$secret" ] || { cat "$work/serve.out" >&2; fail "no $secret"; }
[ "$(stat -c '%U %a' "$secret")" = "qorgau 600" ] || fail "$secret is $(stat -c '%U %a' "$secret")"
password=$(cat "$secret")
grep -q "$secret" "$work/serve.out" || fail "the file's path is not printed"
if grep -qF -- "$password" "$work/serve.out" "$work/serve.log"; then
  fail "the password was printed"
fi
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'content-type: application/json' \
  -d "{\"username\":\"admin\",\"password\":\"$password\"}" "$base/api/v1/auth/login")
[ "$code" = 200 ] || fail "the admin's password from the file does not log in ($code)"
echo "first administrator: password file 0600, logs in"

echo "==> SIGTERM"
kill -TERM "$server_pid"
stopped=0
for _ in $(seq 1 80); do
  kill -0 "$server_pid" 2>/dev/null || { stopped=1; break; }
  sleep 0.5
done
[ "$stopped" = 1 ] || fail "the server did not stop within 40 s of SIGTERM"
wait "$server_pid" || fail "the server exited non-zero after SIGTERM"
server_pid=

echo "==> dpkg --purge"
dpkg --purge qorgau >"$work/purge.log" 2>&1 || { cat "$work/purge.log" >&2; fail "dpkg --purge"; }
installed=0
[ ! -e /usr/bin/qorgau ] || fail "/usr/bin/qorgau is left after purge"
[ ! -e /etc/qorgau/qorgau.toml ] || fail "/etc/qorgau is left after purge"
echo "package: 1 passed, 0 failed"
