#!/usr/bin/env bash
# A full disk under writes (issue 24), on each of DISK_CASES (default "sqlite pg_wal pg_data"):
#   sqlite   the SQLite database and the data directory on a small file system;
#   pg_wal   a private PostgreSQL cluster whose WAL directory (pg_wal) is on a small file system;
#   pg_data  a private PostgreSQL cluster whose data directory is on a small file system (its
#            WAL elsewhere).
# The small file system is ext4 on a loop device made with dd + mkfs.ext4 (no blocks reserved
# for root: the server runs as root here), or, where loop devices cannot be mounted, a tmpfs
# with size= (the script says which). Under a load of signal and intervention writes with
# Idempotency-Key (retried on 503 as the mobile app does) and reads, a file fills the file
# system for FULL_SECONDS (default 15); then it is removed and the load goes on for
# RECOVERY_SECONDS (default 10).
#
# Goals: every write answers 201 or a problem document (503 with Retry-After, or 507), never a
# 500 and never no answer; reads of no child's data keep working (sqlite, pg_data: PostgreSQL
# itself stops when it cannot write its WAL — pg_wal only reports what reads got), and a read of
# a child's data, whose audit entry is a write, answers 200 or 503 (refused when the entry
# cannot be stored: fail closed); /health/ready says why it is not ready (sqlite, pg_data);
# nothing acknowledged is lost; after client retries with their keys each key is stored once;
# writes resume by themselves once space returns; the database is not corrupted (SQLite `PRAGMA
# integrity_check`, PostgreSQL `pg_amcheck`, and `qorgau audit verify` on both). Exits non-zero
# when a goal is missed.
#
# Needs root (mount; initdb runs through `runuser -u postgres`). The shared cluster on 5432 is
# never touched. Environment: DISK_CASES, FULL_SECONDS, RECOVERY_SECONDS, WARM_SECONDS (3),
# LOAD_WRITERS (4), LOAD_READERS (2), DISK_FS=loop|tmpfs (loop), PG_BIN, REL_KEEP=1.
source "$(dirname "$0")/faults_lib.sh"
rel_init disk_full
HA="$REL_DIR/ha.py"

pg_bin=${PG_BIN:-/usr/lib/postgresql/$(ls /usr/lib/postgresql | sort -n | tail -1)/bin}
as_pg=()
if [[ "$(id -u)" -eq 0 ]]; then as_pg=(runuser -u postgres --); fi
pg() { # pg PROGRAM ARGS…: one of PostgreSQL's programs, as postgres
    local program="$1"
    shift
    "${as_pg[@]}" "$pg_bin/$program" "$@"
}
chmod 711 "$REL_WORK"

# What is up (servers, clusters, mounts), torn down in this order at the end of a case or on
# exit.
CASE_SERVER="" CASE_PGDATA="" CASE_MNT=""
teardown() {
    if [[ -n "$CASE_SERVER" ]] && kill -0 "$CASE_SERVER" 2>/dev/null; then
        kill -TERM "$CASE_SERVER"
        for _ in $(seq 100); do kill -0 "$CASE_SERVER" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$CASE_SERVER" 2>/dev/null || true
    fi
    CASE_SERVER=""
    if [[ -n "$CASE_PGDATA" && -f "$CASE_PGDATA/postmaster.pid" ]]; then
        pg pg_ctl -D "$CASE_PGDATA" stop -m fast >/dev/null 2>&1 ||
            pg pg_ctl -D "$CASE_PGDATA" stop -m immediate >/dev/null 2>&1 || true
    fi
    CASE_PGDATA=""
    if [[ -n "$CASE_MNT" ]] && mountpoint -q "$CASE_MNT"; then
        umount "$CASE_MNT" 2>/dev/null || umount -l "$CASE_MNT"
    fi
    CASE_MNT=""
}
REL_CLEANUP_HOOKS+=("teardown")

# small_fs NAME MIB: a file system of MIB MiB mounted at $MNT.
small_fs() {
    local name="$1" mib="$2" img="$REL_WORK/$1.img"
    MNT="$REL_WORK/$name.mnt"
    mkdir -p "$MNT"
    if [[ "${DISK_FS:-loop}" == loop ]] && dd if=/dev/zero of="$img" bs=1M count="$mib" status=none &&
        mkfs.ext4 -q -F -m 0 "$img" && mount -o loop "$img" "$MNT" 2>/dev/null; then
        FS_KIND="ext4 on a loop device, $mib MiB"
    elif mount -t tmpfs -o "size=${mib}m" tmpfs "$MNT" 2>/dev/null; then
        rm -f "$img"
        FS_KIND="tmpfs, $mib MiB (loop devices cannot be mounted here)"
    else
        echo "FAIL: cannot mount a small file system here (root with loop devices or tmpfs needed)"
        return 1
    fi
    CASE_MNT="$MNT"
    chown postgres: "$MNT" 2>/dev/null || true
}

# pg_cluster NAME DATA WALDIR: a private cluster (1 MiB WAL segments, so that WAL grows in
# small steps; no checkpoint before the volume is full, as when WAL is held for an archive or a
# slot that does not keep up); its socket and log in NAME-pg/ of the work directory. Sets
# PG_PORT, PG_LOG.
pg_cluster() {
    local name="$1" data="$2" waldir="$3" sockets="$REL_WORK/$1-pg"
    PG_PORT="$(free_port)"
    PG_LOG="$sockets/postgres.log"
    mkdir -p "$sockets" "$(dirname "$data")" "$(dirname "$waldir")"
    chown postgres: "$sockets" "$(dirname "$data")" "$(dirname "$waldir")" 2>/dev/null || true
    pg initdb -D "$data" --waldir="$waldir" --wal-segsize=1 -U postgres -A trust >/dev/null
    cat >>"$data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$sockets'
max_wal_size = 1GB
min_wal_size = 4MB
checkpoint_timeout = 1h
EOF
    CASE_PGDATA="$data"
    pg pg_ctl -D "$data" -l "$PG_LOG" -w start >/dev/null
    psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -c "CREATE DATABASE qorgau"
}

# pg_running: PostgreSQL gave up (a PANIC it could not recover from without space)? Then the
# operator starts it again, once there is space. Qorgau reconnects by itself.
pg_running() {
    if [[ -n "$CASE_PGDATA" ]] && ! pg pg_ctl -D "$CASE_PGDATA" status >/dev/null 2>&1; then
        echo "[$name] PostgreSQL had stopped: started again (operator step)"
        pg pg_ctl -D "$CASE_PGDATA" -l "$PG_LOG" -w start >/dev/null
    fi
}

fill() { # fill DIR: a file that takes every free block of DIR's file system
    dd if=/dev/zero of="$1/filler" bs=1M status=none 2>/dev/null || true
    dd if=/dev/zero of="$1/filler" bs=4k oflag=append conv=notrunc status=none 2>/dev/null || true
    sync
}

overall=0
declare -A verdict
cases=(${DISK_CASES:-sqlite pg_wal pg_data})
for name in "${cases[@]}"; do
    status=0
    data_dir="$REL_WORK/data-$name"
    check_args=()
    case "$name" in
        sqlite)
            small_fs "$name" "${SQLITE_FS_MIB:-128}" || { overall=1; verdict[$name]=FAIL; continue; }
            data_dir="$MNT/data"
            db="$MNT/qorgau.db"
            url="sqlite://$db"
            check_args=(--reads-must-work --ready-reason "storage is full")
            ;;
        pg_wal)
            small_fs "$name" "${PG_WAL_FS_MIB:-40}" || { overall=1; verdict[$name]=FAIL; continue; }
            pg_cluster "$name" "$REL_WORK/pg_wal/data" "$MNT/pg_wal"
            db="postgres://postgres@127.0.0.1:$PG_PORT/qorgau"
            url="$db"
            ;;
        pg_data)
            small_fs "$name" "${PG_DATA_FS_MIB:-80}" || { overall=1; verdict[$name]=FAIL; continue; }
            pg_cluster "$name" "$MNT/data" "$REL_WORK/pg_data/wal"
            db="postgres://postgres@127.0.0.1:$PG_PORT/qorgau"
            url="$db"
            check_args=(--reads-must-work --ready-reason "storage is full")
            ;;
        *) echo "unknown case $name (sqlite, pg_wal, pg_data)"; exit 2 ;;
    esac
    port="$(free_port)"
    start_server "$name" "$port" "$url" QORGAU_DATA_DIR="$data_dir"
    CASE_SERVER="$SERVER_PID"
    wait_ready "$port" 60 >/dev/null || { tail -20 "$REL_WORK/$name.err" >&2; exit 1; }
    bootstrap "$name" "$port"
    log "$name: $FS_KIND at $MNT, $(df -h --output=used,avail "$MNT" | tail -1 | xargs) used/free before the load"
    echo "[$name] small file system: $FS_KIND"

    events="$REL_WORK/$name.events"
    rm -f "$REL_WORK/stop" "$REL_WORK/started"
    "$PY" "$HA" mixed-load --creds "$REL_CREDS" --base "http://127.0.0.1:$port" \
        --stop-file "$REL_WORK/stop" --started "$REL_WORK/started" \
        --out "$REL_WORK/$name.records.jsonl" --writers "${LOAD_WRITERS:-4}" \
        --readers "${LOAD_READERS:-2}" --retry-for 300 &
    load_pid=$!
    REL_PIDS+=("$load_pid")
    wait_started "$load_pid"
    echo "load_started $(now)" >>"$events"
    sleep "${WARM_SECONDS:-3}"
    fill "$MNT"
    echo "disk_full $(now)" >>"$events"
    log "$name: file system full ($(df -h --output=avail "$MNT" | tail -1 | xargs) free)"
    sleep "${FULL_SECONDS:-15}"
    rm -f "$MNT/filler"
    sync
    pg_running
    if [[ "$name" == pg_wal ]]; then
        # The operator also removes the cause (a repaired archive_command, a dropped slot): WAL
        # is recycled again at checkpoints, instead of filling the volume anew.
        psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres \
            -c "ALTER SYSTEM SET max_wal_size = '16MB'" -c "SELECT pg_reload_conf()" -c "CHECKPOINT" >/dev/null
    fi
    echo "space_freed $(now)" >>"$events"
    log "$name: space freed"
    sleep "${RECOVERY_SECONDS:-10}"
    echo "load_stopped $(now)" >>"$events"
    touch "$REL_WORK/stop"
    wait "$load_pid"

    if ! kill -0 "$CASE_SERVER" 2>/dev/null; then
        echo "FAIL [$name]: the server process died"
        status=1
    fi
    "$PY" "$HA" check-disk --creds "$REL_CREDS" --records "$REL_WORK/$name.records.jsonl" \
        --events "$events" --db "$db" --label "$name" "${check_args[@]}" || status=1
    if [[ -n "$CASE_PGDATA" ]]; then
        echo "[$name] PostgreSQL's log: $(grep -c "PANIC" "$PG_LOG" || true) PANIC(s), $(grep -c 'No space left on device' "$PG_LOG" || true) lines 'No space left on device'"
    fi
    if grep -q "panicked" "$REL_WORK/$name.err"; then
        echo "FAIL [$name]: the server panicked:"; grep -m3 "panicked" "$REL_WORK/$name.err"; status=1
    fi
    # The server stops before the checks of the stored data (SQLite's WAL is checkpointed).
    kill -TERM "$CASE_SERVER"
    wait "$CASE_SERVER" 2>/dev/null || true
    CASE_SERVER=""
    pg_running
    # A checker that fails to run says so in its output, which is then not "ok".
    if [[ "$name" == sqlite ]]; then
        integrity="$(sqlite3 "$db" "PRAGMA integrity_check" 2>&1 | head -5 | tr '\n' ' ' || true)"
    else
        integrity="$(pg pg_amcheck --install-missing -h 127.0.0.1 -p "$PG_PORT" -U postgres -d qorgau 2>&1 |
            head -5 | tr '\n' ' '; echo "exit ${PIPESTATUS[0]}")"
        [[ "$integrity" == "exit 0" ]] && integrity="ok"
    fi
    integrity="${integrity% }"
    echo "[$name] integrity: $integrity"
    [[ "$integrity" == ok ]] || { echo "FAIL [$name]: the database is corrupt"; status=1; }
    audit="$(env QORGAU_DATABASE_URL="$url" QORGAU_DATA_DIR="$data_dir" \
        QORGAU_JWT_SECRET="$REL_JWT_SECRET" QORGAU_AUDIT_KEY="$REL_AUDIT_KEY" \
        QORGAU_LOG_LEVEL=error "$REL_BIN" audit verify 2>&1)" || {
        echo "FAIL [$name]: qorgau audit verify: $audit"; status=1; }
    echo "[$name] audit verify: $(echo "$audit" | tail -1)"
    teardown
    if ((status)); then verdict[$name]=FAIL; overall=1; else verdict[$name]=PASS; fi
done

for name in "${cases[@]}"; do echo "disk_full $name: ${verdict[$name]:-not run}"; done
result disk_full "$overall"
exit "$overall"
