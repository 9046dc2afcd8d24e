#!/usr/bin/env bash
# Losing the database host (issue 24): a private PostgreSQL primary and a synchronous standby
# (synchronous_standby_names, synchronous_commit = on, pg_basebackup -R), two Qorgau instances on
# the multi-host URL `postgres://postgres@127.0.0.1:P1,127.0.0.1:P2/qorgau?target_session_attrs=
# read-write`, signal and intervention writes with Idempotency-Key under load on both; then
# FAILOVERS times (default 5): `kill -9` of the primary's postmaster, `pg_ctl promote` of the
# standby, and the dead primary's directory made again, with pg_basebackup from the new primary,
# into its synchronous standby — as an operator does (docs/operations.md § Failover).
#
# Goals, per failover and overall: acknowledged writes lost 0; a period of 503 (with Retry-After)
# no longer than 10 s on each instance; no request hung past 5 s; both instances write again
# without a restart; no 5xx other than 503, no request without an answer; after client retries
# with their keys, each key stored once. Exits non-zero when a goal is missed.
#
# Both clusters live in the work directory on free ports (the shared cluster on 5432 is never
# touched) and are stopped on exit. Needs PostgreSQL's server programs and root or the postgres
# user (initdb refuses root: run through `runuser -u postgres`).
#
# Environment: FAILOVERS (5), PROMOTE_AFTER (seconds between the kill and the promotion, as a
# failover manager's detection would take; default 1), SETTLE_SECONDS (load between a standby
# being synchronous again and the next kill; default 5), LOAD_WRITERS (8), LOAD_READERS (2),
# PG_BIN, REL_KEEP=1 (keep the work directory).
source "$(dirname "$0")/faults_lib.sh"
rel_init failover
HA="$REL_DIR/ha.py"

pg_bin=${PG_BIN:-/usr/lib/postgresql/$(ls /usr/lib/postgresql | sort -n | tail -1)/bin}
as_pg=()
if [[ "$(id -u)" -eq 0 ]]; then as_pg=(runuser -u postgres --); fi
rounds="${FAILOVERS:-5}"

pgdir="$REL_WORK/pg"
mkdir -p "$pgdir"
chmod 711 "$REL_WORK"
if [[ "$(id -u)" -eq 0 ]]; then chown postgres: "$pgdir"; fi
port1="$(free_port)"
port2="$(free_port)"
while [[ "$port2" == "$port1" ]]; do port2="$(free_port)"; done
declare -A port_of=([n1]="$port1" [n2]="$port2")

pg() { # pg PROGRAM ARGS…: one of PostgreSQL's programs, as postgres
    local program="$1"
    shift
    "${as_pg[@]}" "$pg_bin/$program" "$@"
}
sql() { # sql NODE STATEMENT: one value
    psql -X -q -t -A -h 127.0.0.1 -p "${port_of[$1]}" -U postgres -d postgres -c "$2"
}
postmaster_pid() { head -1 "$pgdir/$1/postmaster.pid"; }
# shellcheck disable=SC2317  # run at exit
stop_clusters() {
    for node in n1 n2; do
        if [[ -f "$pgdir/$node/postmaster.pid" ]]; then
            pg pg_ctl -D "$pgdir/$node" stop -m immediate >/dev/null 2>&1 || true
        fi
    done
}
REL_CLEANUP_HOOKS+=("stop_clusters")

start_node() {
    pg pg_ctl -D "$pgdir/$1" -l "$pgdir/$1.log" -w -t 60 start >/dev/null
}

# wait_sync PRIMARY: until its standby streams and is synchronous (at most 60 s).
wait_sync() {
    local state=""
    for _ in $(seq 600); do
        state="$(sql "$1" "SELECT state || '/' || sync_state FROM pg_stat_replication" 2>/dev/null || true)"
        [[ "$state" == "streaming/sync" ]] && return 0
        sleep 0.1
    done
    log "the standby of $1 is not synchronous: '$state'"
    tail -20 "$pgdir"/*.log >&2
    return 1
}

# make_standby NODE PRIMARY: NODE's directory emptied and copied from PRIMARY (pg_basebackup -R),
# started as its standby on NODE's port.
make_standby() {
    local node="$1" primary="$2"
    rm -rf "${pgdir:?}/$node"
    pg pg_basebackup -h 127.0.0.1 -p "${port_of[$primary]}" -U postgres -D "$pgdir/$node" \
        -R -X stream -c fast
    # The copy has the primary's settings; the last line of a file wins.
    echo "port = ${port_of[$node]}" >>"$pgdir/$node/postgresql.conf"
    start_node "$node"
}

# The primary: synchronous commit waits for the standby's flush of the commit record
# (synchronous_commit = on, the default), so an acknowledged commit is on both hosts.
log "primary n1 on port $port1, standby n2 on port $port2 ($pg_bin)"
pg initdb -D "$pgdir/n1" -U postgres -A trust >/dev/null
cat >>"$pgdir/n1/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port1
unix_socket_directories = '$pgdir'
wal_level = replica
max_wal_senders = 4
max_connections = 100
synchronous_commit = on
EOF
start_node n1
make_standby n2 n1
sql n1 "ALTER SYSTEM SET synchronous_standby_names = '*'" >/dev/null
sql n1 "SELECT pg_reload_conf()" >/dev/null
wait_sync n1
sql n1 "CREATE DATABASE qorgau" >/dev/null
primary=n1 standby=n2

DB_URL="postgres://postgres@127.0.0.1:$port1,127.0.0.1:$port2/qorgau?target_session_attrs=read-write"
portA="$(free_port)"
portB="$(free_port)"
start_server a "$portA" "$DB_URL"
pidA="$SERVER_PID"
t="$(wait_ready "$portA" 60)" || { tail -20 "$REL_WORK/a.err" >&2; exit 1; }
start_server b "$portB" "$DB_URL"
pidB="$SERVER_PID"
wait_ready "$portB" 60 >/dev/null || { tail -20 "$REL_WORK/b.err" >&2; exit 1; }
log "instances a (pid $pidA, port $portA) and b (pid $pidB, port $portB) ready on $DB_URL"
bootstrap a "$portA"

events="$REL_WORK/events"
"$PY" "$HA" mixed-load --creds "$REL_CREDS" --base "http://127.0.0.1:$portA" \
    --base "http://127.0.0.1:$portB" --stop-file "$REL_WORK/stop" --started "$REL_WORK/started" \
    --out "$REL_WORK/records.jsonl" --writers "${LOAD_WRITERS:-8}" --readers "${LOAD_READERS:-2}" &
load_pid=$!
REL_PIDS+=("$load_pid")
wait_started "$load_pid"
echo "load_started $(now)" >>"$events"
sleep "${SETTLE_SECONDS:-5}"

for round in $(seq "$rounds"); do
    pm="$(postmaster_pid "$primary")"
    children="$(pgrep -P "$pm" | tr '\n' ' ')"
    echo "kill $round $(now)" >>"$events"
    kill -KILL "$pm"
    log "round $round: killed the postmaster of $primary (pid $pm)"
    # Its backends accept nothing new (the listening socket died with it); each exits when it
    # next waits, and one waiting for the standby's confirmation of a commit exits without
    # acknowledging it. So the standby may be promoted at once.
    sleep "${PROMOTE_AFTER:-1}"
    echo "failover $round $(now)" >>"$events"
    # The promoted server must not wait for a standby that does not exist yet: until its new
    # standby is synchronous it commits alone (docs/operations.md § Failover).
    sql "$standby" "ALTER SYSTEM SET synchronous_standby_names = ''" >/dev/null
    sql "$standby" "SELECT pg_reload_conf()" >/dev/null
    echo "promote $round $(now)" >>"$events"
    pg pg_ctl -D "$pgdir/$standby" -w promote >/dev/null
    echo "promoted $round $(now)" >>"$events"
    log "round $round: promoted $standby"
    # The dead primary's processes are gone before its directory is rebuilt (they would be,
    # with their host); any left after 10 s are killed.
    for _ in $(seq 100); do
        alive=0
        for c in $children; do kill -0 "$c" 2>/dev/null && alive=1; done
        ((alive)) || break
        sleep 0.1
    done
    for c in $children; do kill -KILL "$c" 2>/dev/null || true; done
    old="$primary"
    primary="$standby"
    standby="$old"
    make_standby "$standby" "$primary" >/dev/null 2>&1
    sql "$primary" "ALTER SYSTEM SET synchronous_standby_names = '*'" >/dev/null
    sql "$primary" "SELECT pg_reload_conf()" >/dev/null
    wait_sync "$primary"
    echo "synchronous $round $(now)" >>"$events"
    log "round $round: $standby is the synchronous standby of $primary again"
    sleep "${SETTLE_SECONDS:-5}"
done
echo "load_stopped $(now)" >>"$events"
touch "$REL_WORK/stop"
wait "$load_pid"

status=0
for pid in "$pidA" "$pidB"; do
    if kill -0 "$pid" 2>/dev/null; then
        echo "server process $pid served through all $rounds failovers (never restarted)"
    else
        echo "FAIL: the server process $pid died"
        status=1
    fi
done
"$PY" "$HA" check-failover --creds "$REL_CREDS" --records "$REL_WORK/records.jsonl" \
    --events "$events" --db "$DB_URL" --rounds "$rounds" || status=1
if grep -q "panicked" "$REL_WORK/a.err" "$REL_WORK/b.err"; then
    echo "FAIL: a server panicked:"; grep -m3 "panicked" "$REL_WORK/a.err" "$REL_WORK/b.err"; status=1
fi
result failover "$status"
exit "$status"
