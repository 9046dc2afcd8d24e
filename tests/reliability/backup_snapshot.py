#!/usr/bin/env python3
"""Backs up a live Qorgau database and counts every table's rows AT THE SAME SNAPSHOT, so that
a restore can be checked row for row while the server keeps writing.

usage:
  backup_snapshot.py postgres URL DUMP_FILE OUT_JSON
      BEGIN ISOLATION LEVEL REPEATABLE READ; pg_export_snapshot(); the counts in that
      transaction; `pg_dump -Fc --snapshot=…` of exactly that snapshot.
  backup_snapshot.py sqlite DB_FILE BACKUP_FILE OUT_JSON
      One sqlite3 session: BEGIN; the counts; `.backup` (the online backup API) inside the same
      read transaction, so the copy is the snapshot the counts saw.
  backup_snapshot.py count postgres URL OUT_JSON | count sqlite DB_FILE OUT_JSON
      The row counts of a (restored) database, and its signal ids.

OUT_JSON: {"started_at": unix time before the snapshot began, "seconds": …, "counts": {table: n},
           "signal_ids": [...] (count mode only)}
"""

import json
import subprocess
import sys
import time


class Psql:
    """A psql session kept open, so that a transaction spans several questions."""

    def __init__(self, url):
        self.proc = subprocess.Popen(
            ["psql", "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )

    def ask(self, sql):
        self.proc.stdin.write(sql.rstrip().rstrip(";") + ";\n\\echo __done__\n")
        self.proc.stdin.flush()
        lines = []
        while True:
            line = self.proc.stdout.readline()
            if line == "":
                raise SystemExit(f"psql ended while answering: {sql}")
            line = line.rstrip("\n")
            if line == "__done__":
                return [row for row in lines if row != ""]
            lines.append(line)

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


def pg_tables(psql):
    return [row for row in psql.ask("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")]


def pg_counts(psql, tables):
    union = " UNION ALL ".join(f"SELECT '{t}', COUNT(*) FROM \"{t}\"" for t in tables)
    return {name: int(n) for name, n in (row.split("\t") for row in psql.ask(union))}


def sqlite(db, script):
    out = subprocess.run(["sqlite3", "-batch", "-noheader", "-separator", "\t", db], input=script,
                         capture_output=True, text=True, check=True)
    if out.stderr.strip():
        raise SystemExit(f"sqlite3: {out.stderr.strip()}")
    return [line for line in out.stdout.splitlines() if line]


def sqlite_tables(db):
    return sqlite(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1;")


def sqlite_count_sql(tables):
    return " UNION ALL ".join(f"SELECT '{t}', COUNT(*) FROM \"{t}\"" for t in tables) + ";"


def main():
    mode = sys.argv[1]
    started = time.time()
    result = {"started_at": started}
    if mode == "postgres":
        url, dump, out = sys.argv[2:5]
        psql = Psql(url)
        tables = pg_tables(psql)
        started = time.time()
        result["started_at"] = started
        psql.ask("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        snapshot = psql.ask("SELECT pg_export_snapshot()")[0]
        result["counts"] = pg_counts(psql, tables)
        subprocess.run(["pg_dump", "-Fc", f"--snapshot={snapshot}", "-f", dump, url], check=True)
        psql.ask("COMMIT")
        psql.close()
    elif mode == "sqlite":
        db, backup, out = sys.argv[2:5]
        tables = sqlite_tables(db)
        started = time.time()
        result["started_at"] = started
        script = (".timeout 10000\nBEGIN;\n" + sqlite_count_sql(tables) + "\n"
                  + f".backup '{backup}'\nCOMMIT;\n")
        result["counts"] = {name: int(n) for name, n in (row.split("\t") for row in sqlite(db, script))}
    elif mode == "count":
        backend, target, out = sys.argv[2:5]
        if backend == "postgres":
            psql = Psql(target)
            result["counts"] = pg_counts(psql, pg_tables(psql))
            result["signal_ids"] = psql.ask("SELECT id FROM signals")
            psql.close()
        else:
            result["counts"] = {name: int(n) for name, n in
                                (row.split("\t") for row in sqlite(target, sqlite_count_sql(sqlite_tables(target))))}
            result["signal_ids"] = sqlite(target, "SELECT id FROM signals;")
    else:
        raise SystemExit(f"unknown mode {mode}")
    result["seconds"] = time.time() - started
    with open(out, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
