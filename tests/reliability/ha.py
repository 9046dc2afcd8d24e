#!/usr/bin/env python3
"""Load and checks for failover.sh and disk_full.sh (tests/reliability/), on top of faults.py.

Standard library only. The load files signals (mobile group) and interventions (case manager)
with an Idempotency-Key each, on one or more Qorgau instances, and retries a key that got no
201 — after a 503 or no answer — the way the mobile app does, until it is acknowledged or
--retry-for seconds have passed. Every attempt is one record (JSON line).

    ha.py mixed-load     --creds C --base URL [--base URL2] --stop-file F --started F --out R
    ha.py check-failover --creds C --records R --events E --db URL --rounds N
    ha.py check-disk     --creds C --records R --events E --db URL|PATH --label NAME

The checks exit 1 when a goal is missed. --db is a postgres:// URL (read with psql) or the
path of a SQLite file (read with Python's sqlite3, read-only).
"""

import argparse
import json
import random
import sqlite3
import sys
import threading
import time
import uuid
from datetime import timedelta

from faults import Http, User, child_of, load_creds, must, now_iso, psql, read_records, run_until_stopped, signal_body, status_table

# --------------------------------------------------------------------------------------------
# Database


def rows(db, sql):
    if db.startswith("postgres"):
        return psql(db, sql)
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return [[str(v) for v in r] for r in conn.execute(sql).fetchall()]
    finally:
        conn.close()


# --------------------------------------------------------------------------------------------
# Load


class Patient(User):
    """A user whose login waits out an outage (up to 60 s) instead of giving up after 10 s."""

    def login(self):
        with self.lock:
            deadline = time.time() + 60
            while True:
                r = self.http.request("POST", "/api/v1/auth/login",
                                      {"username": self.username, "password": self.password})
                if r.status == 200:
                    self.token = r.json()["access_token"]
                    return
                if time.time() > deadline:
                    raise SystemExit(f"login {self.username}: {r.status} {r.body[:300]!r}")
                time.sleep(0.2)


def users_at(creds, base, timeout):
    http_ = Http(base, timeout)
    return {role: Patient(http_, u["username"], u["password"], u.get("id"))
            for role, u in creds["users"].items()}


def intervention_body(key):
    # Fixed per key (occurred_at too): a retry must send the same request.
    return {"kind": "home_visit", "assistance_type": "social",
            "occurred_at": now_iso(-timedelta(minutes=5)), "summary": f"HA visit {key}",
            "child_seen": True, "duration_minutes": 30}


def open_case(users, i):
    s = must(users["mobile"].call("POST", "/api/v1/signals", signal_body(f"ha-case-{i}", child_of(i)),
                                  {"Idempotency-Key": f"ha-case-{uuid.uuid4().hex}"}), 201)
    decision = {"decision": "open_case", "risk_level": "medium", "assignee_id": users["manager"].id}
    return must(users["supervisor"].call("POST", f"/api/v1/signals/{s['id']}/triage", decision), 200)["case_id"]


def problem_type(r):
    if r.headers.get("content-type", "").startswith("application/problem+json"):
        return (r.json() or {}).get("type")
    return None


def cmd_mixed_load(a):
    creds = load_creds(a.creds)
    bases = a.base
    at = [users_at(creds, b, a.timeout) for b in bases]
    for us in at:
        for role in ("mobile", "manager", "supervisor"):
            us[role].login()
    cases = [open_case(at[0], 900000 + random.randrange(10 ** 5)) for _ in range(a.cases)]
    with open(a.out + ".cases", "w") as f:
        json.dump(cases, f)
    run = uuid.uuid4().hex[:8]
    records, lock = [], threading.Lock()
    counter = iter(range(10 ** 9))
    stop = threading.Event()
    known = []  # (inst, signal id) for reads

    def record(rec, inst, op, r, **extra):
        problem = problem_type(r)
        rec.append({"op": op, "inst": inst, "status": r.status, "t0": r.t0, "t1": r.t1,
                    "retry_after": r.headers.get("retry-after"), "problem": problem,
                    "detail": (r.json() or {}).get("detail") if problem else None,
                    "error": r.error, **extra})

    def writer(n):
        inst = n % len(bases)
        us = at[inst]
        kind = "signal" if n // len(bases) % 2 == 0 else "intervention"
        rec = []
        while not stop.is_set():
            with lock:
                i = next(counter)
            key = f"ha-{run}-{i}"
            if kind == "signal":
                user, path, body = us["mobile"], "/api/v1/signals", signal_body(key)
            else:
                user, body = us["manager"], intervention_body(key)
                path = f"/api/v1/cases/{random.choice(cases)}/interventions"
            first = time.time()
            attempt = 0
            while True:
                r = user.call("POST", path, body, {"Idempotency-Key": key})
                rid = (r.json() or {}).get("id") if r.status in (200, 201) else None
                record(rec, inst, kind, r, key=key, attempt=attempt, id=rid, path=path)
                if kind == "signal" and rid:
                    known.append(rid)
                attempt += 1
                # Retried: what may not have been stored (503, no answer). Anything else is an
                # answer the client keeps (201, or an error the check reports).
                if r.status not in (0, 503) or stop.is_set() or time.time() - first > a.retry_for:
                    break
                time.sleep(a.retry_pause)
        with lock:
            records.extend(rec)

    def reader(n):
        inst = n % len(bases)
        sup = at[inst]["supervisor"]
        rec = []
        while not stop.is_set():
            # Half of the reads show children's data, and each such read is recorded in the
            # audit log (a write); the other half read no child's data and write nothing.
            audited = random.random() < 0.5
            if audited and known and random.random() < 0.5:
                path = f"/api/v1/signals/{random.choice(known)}"
            elif audited:
                path = random.choice(["/api/v1/signals?limit=10", "/api/v1/cases?limit=10",
                                      f"/api/v1/cases/{random.choice(cases)}/interventions?limit=10"])
            else:
                path = random.choice(["/api/v1/me", "/api/v1/me/tasks", "/api/v1/regions"])
            r = sup.call("GET", path)
            record(rec, inst, "get", r, path=path, audited=audited)
            if r.status in (0, 503):
                time.sleep(0.05)
        with lock:
            records.extend(rec)

    def ready(inst):
        http_ = Http(bases[inst], timeout=a.timeout)
        rec = []
        while not stop.is_set():
            r = http_.request("GET", "/health/ready")
            record(rec, inst, "ready", r)
            time.sleep(0.1)
        with lock:
            records.extend(rec)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(a.writers)]
    threads += [threading.Thread(target=reader, args=(n,)) for n in range(a.readers)]
    threads += [threading.Thread(target=ready, args=(i,)) for i in range(len(bases))]
    run_until_stopped(threads, stop, records, a)
    writes = [r for r in records if r["op"] in ("signal", "intervention")]
    print(f"load: {len(records)} requests on {len(bases)} instance(s), {len(cases)} cases; "
          f"{len(writes)} write attempts for {len({r['key'] for r in writes})} keys; "
          f"answers: {status_table(writes)}")
    return 0


# --------------------------------------------------------------------------------------------
# Shared by the checks


def read_events(path):
    """Lines `name time` or `name round time`: {name: t} and {(name, round): t}."""
    events = {}
    for line in open(path):
        parts = line.split()
        if len(parts) == 2:
            events[parts[0]] = float(parts[1])
        elif len(parts) == 3:
            events[(parts[0], int(parts[1]))] = float(parts[2])
    return events


def writes_of(records):
    return [r for r in records if r["op"] in ("signal", "intervention")]


def acknowledged(records):
    """{key: (kind, id, t1)} of every key some attempt of which was answered 201."""
    out = {}
    for r in writes_of(records):
        if r["status"] == 201 and r["key"] not in out:
            out[r["key"]] = (r["op"], r["id"], r["t1"])
    return out


def stored_ids(db):
    return ({r[0] for r in rows(db, "SELECT id FROM signals")},
            {r[0] for r in rows(db, "SELECT id FROM interventions")})


def lost_of(acked, db):
    signals, interventions = stored_ids(db)
    return [(k, v) for k, v in acked.items()
            if v[1] not in (signals if v[0] == "signal" else interventions)]


def resend_and_count(creds, base, records, db):
    """Sends each key that no attempt got a 201 for once more, with its key and its body; then
    counts the keys stored more than once. (sent, answers, duplicate keys, keys, rows)."""
    users = users_at(creds, base, 30.0)
    acked = acknowledged(records)
    last = {}
    for r in writes_of(records):
        last[r["key"]] = r
    statuses = {}
    for key, r in last.items():
        if key in acked:
            continue
        if r["op"] == "signal":
            resp = users["mobile"].call("POST", r["path"], signal_body(key), {"Idempotency-Key": key})
        else:
            # The body is not in the record: rebuilt, it differs in occurred_at only if a minute
            # boundary passed — the server would answer 409 (another request under this key),
            # which the check reports. It never happens within a run this short.
            resp = users["manager"].call("POST", r["path"], intervention_body(key), {"Idempotency-Key": key})
        statuses[resp.status] = statuses.get(resp.status, 0) + 1
    run = next(iter(last)).rsplit("-", 1)[0] if last else "none"
    dup_s = rows(db, "SELECT description, count(*) FROM signals WHERE description LIKE "
                     f"'Reliability test signal {run}-%' GROUP BY description HAVING count(*) > 1")
    dup_i = rows(db, "SELECT summary, count(*) FROM interventions WHERE summary LIKE "
                     f"'HA visit {run}-%' GROUP BY summary HAVING count(*) > 1")
    n_s = int(rows(db, f"SELECT count(*) FROM signals WHERE description LIKE 'Reliability test signal {run}-%'")[0][0])
    n_i = int(rows(db, f"SELECT count(*) FROM interventions WHERE summary LIKE 'HA visit {run}-%'")[0][0])
    return len(last) - len(acked), statuses, len(dup_s) + len(dup_i), len(last), n_s + n_i


def conflicts(records):
    """A 409 to a fresh write of the load is a failure: nothing in these loads conflicts with
    anything. (Two interventions with the child seen, recorded at once on one case, used to race
    to rewrite the case's report facts on PostgreSQL — 409 on report_cases_pkey — until each
    refresh locked the row that owns the facts, 607a0a6.)"""
    c = [r for r in writes_of(records) if r["status"] == 409]
    if not c:
        return []
    details = {}
    for r in c:
        details[r.get("detail")] = details.get(r.get("detail"), 0) + 1
    return [f"{len(c)} writes answered 409: " + ", ".join(f"{d!r}: {n}" for d, n in details.items())]


def fmt_table(d):
    return ", ".join(f"{k if k else 'no answer'}: {v}" for k, v in sorted(d.items())) or "none"


# --------------------------------------------------------------------------------------------
# Failover


def outage(recs, promoted):
    """For one instance's requests of one round: (seconds from the start of its first failed
    request — 5xx or no answer — to the answer of its last, seconds from the promotion to its
    first write answered 201 after the last failure; None when it never wrote again)."""
    bad = [r for r in recs if r["status"] == 0 or r["status"] >= 500]
    if not bad:
        return 0.0, 0.0
    last = max(r["t1"] for r in bad)
    ok = next((r for r in recs if r["t0"] >= last and r["op"] in ("signal", "intervention")
               and r["status"] == 201), None)
    return last - bad[0]["t0"], None if ok is None else ok["t1"] - promoted


def cmd_check_failover(a):
    creds = load_creds(a.creds)
    records = read_records(a.records)
    ev = read_events(a.events)
    n_inst = 1 + max(r["inst"] for r in records)
    end = ev["load_stopped"]
    kills = [ev[("kill", i)] for i in range(1, a.rounds + 1) if ("kill", i) in ev]
    ok = True
    acked = acknowledged(records)
    lost = lost_of(acked, a.db)
    lost_t = [v[2] for _, v in lost]
    fails = []
    summary = {"lost": len(lost), "max_503_s": 0.0, "hung": 0, "other_5xx": 0, "no_answer": 0,
               "no_retry_after": 0, "recovered": True}
    print("per failover: 'promoted' s after the kill (the operator's steps began after "
          "PROMOTE_AFTER); per instance (a, b): '503 s' from the first failed request to the last, "
          "'writes' s from the promotion to the first 201")
    print(f"{'round':>5} {'promoted':>9} {'503 s':>11} {'writes':>11} {'503s':>5} {'no R-A':>6} "
          f"{'slowest':>7} {'hung>5s':>7} {'5xx!503':>7} {'no ans':>6} {'acked':>6} {'lost':>4} recovered")
    for i, kill in enumerate(kills, 1):
        until = kills[i] if i < len(kills) else end
        # The requests answered from the kill on and before the next one (a request answered
        # after the next kill belongs to that round).
        window = [r for r in records if kill <= r["t1"] < until]
        promoted_at = ev.get(("promoted", i), kill)
        spans, back = [], []
        for inst in range(n_inst):
            span, after = outage([r for r in window if r["inst"] == inst], promoted_at)
            spans.append(span)
            back.append(after)
        n503 = [r for r in window if r["status"] == 503]
        no_ra = [r for r in n503 if not r["retry_after"]]
        hung = [r for r in window if r["t1"] - r["t0"] > 5.0]
        other = [r for r in window if r["status"] >= 500 and r["status"] != 503]
        none = [r for r in window if r["status"] == 0]
        acked_here = [v for v in acked.values() if kill <= v[2] < until]
        lost_here = [t for t in lost_t if kill <= t < until]
        recovered = all(b is not None for b in back)
        promoted = promoted_at - kill
        summary["steps"] = max(summary.get("steps", 0.0), promoted_at - ev.get(("failover", i), kill))
        span_txt = " ".join(f"{s:.2f}" for s in spans)
        back_txt = " ".join("never" if b is None else f"{b:.2f}" for b in back)
        slowest = max((r["t1"] - r["t0"] for r in window), default=0.0)
        summary["slowest"] = max(summary.get("slowest", 0.0), slowest)
        print(f"{i:>5} {promoted:>8.2f}s {span_txt:>11} {back_txt:>11} {len(n503):>5} {len(no_ra):>6} "
              f"{slowest:>6.2f}s {len(hung):>7} {len(other):>7} {len(none):>6} {len(acked_here):>6} "
              f"{len(lost_here):>4} {'yes' if recovered else 'NO'}")
        worst = max(spans, default=0.0)
        summary["max_back_s"] = max([summary.get("max_back_s", 0.0)] + [b for b in back if b is not None])
        summary["max_503_s"] = max(summary["max_503_s"], worst)
        summary["hung"] += len(hung)
        summary["other_5xx"] += len(other)
        summary["no_answer"] += len(none)
        summary["no_retry_after"] += len(no_ra)
        summary["recovered"] &= recovered
        if worst > a.max_outage:
            fails.append(f"round {i}: {worst:.2f} s of 503 (goal ≤ {a.max_outage:.0f})")
        if not recovered:
            fails.append(f"round {i}: an instance never wrote again after the failover")
        if other:
            fails.append(f"round {i}: {len(other)} answers 5xx other than 503 ({status_table(other)}), "
                         f"e.g. {other[0].get('path')}")
        if none:
            fails.append(f"round {i}: {len(none)} requests without an HTTP answer, e.g. {none[0]['error']}")
        if hung:
            h = max(hung, key=lambda r: r["t1"] - r["t0"])
            fails.append(f"round {i}: {len(hung)} requests hung past 5 s (longest {h['t1'] - h['t0']:.1f} s, "
                         f"{h['op']} {h['status']})")
        if no_ra:
            fails.append(f"round {i}: {len(no_ra)} answers 503 without Retry-After")
    if len(kills) != a.rounds:
        fails.append(f"{len(kills)} failovers happened, {a.rounds} planned")
    writes = writes_of(records)
    fails += conflicts(records)
    print(f"write attempts: {len(writes)} for {len({r['key'] for r in writes})} keys "
          f"(signals and interventions); answers: {status_table(writes)}")
    print(f"acknowledged (201): {len(acked)}; lost: {len(lost)}")
    if lost:
        fails.append(f"{len(lost)} acknowledged writes missing, e.g. {lost[:3]}")
    reads = [r for r in records if r["op"] == "get"]
    print(f"reads: {len(reads)}; answers: {status_table(reads)}")
    sent, statuses, dups, keys, stored = resend_and_count(creds, creds["base"], records, a.db)
    print(f"client retries of the {sent} keys never acknowledged, with their keys: {fmt_table(statuses)}; "
          f"stored {stored} rows for {keys} keys; keys stored twice: {dups}")
    if dups or stored != keys or any(s != 201 for s in statuses):
        fails.append("after the client retries every key should be stored exactly once")
    summary["duplicates"] = dups
    for f in fails:
        ok = False
        print("FAIL: " + f)
    print(f"failover summary: {len(kills)} failovers; acknowledged writes lost {summary['lost']} (goal 0); "
          f"longest 503 period {summary['max_503_s']:.2f} s (goal ≤ {a.max_outage:.0f}), "
          f"writes again at most {summary.get('max_back_s', 0.0):.2f} s after the promotion "
          f"(the operator's steps, from the decision to the promotion, took at most {summary.get('steps', 0.0):.2f} s); "
          f"503 without Retry-After {summary['no_retry_after']}; slowest request {summary.get('slowest', 0.0):.2f} s, "
          f"hung past 5 s {summary['hung']} (goal 0); "
          f"other 5xx {summary['other_5xx']} (goal 0); no answer {summary['no_answer']}; "
          f"instances recovered without restart: {'yes' if summary['recovered'] else 'no'}; "
          f"duplicates after retries {dups} (goal 0)")
    print("failover: " + ("PASS" if ok else "FAIL"))
    return 0 if ok else 1


# --------------------------------------------------------------------------------------------
# Disk full


def cmd_check_disk(a):
    creds = load_creds(a.creds)
    records = read_records(a.records)
    ev = read_events(a.events)
    full, freed, end = ev["disk_full"], ev["space_freed"], ev["load_stopped"]
    ok = True
    fails = []
    writes = writes_of(records)
    during = [r for r in records if full <= r["t0"] and r["t1"] < freed]
    w_during = [r for r in during if r["op"] in ("signal", "intervention")]
    refused = [r for r in w_during if r["status"] != 201]
    reads = [r for r in during if r["op"] == "get"]
    ready = [r for r in during if r["op"] == "ready"]
    print(f"[{a.label}] full for {freed - full:.1f} s (from its filling to the "
          f"removal of the filler); write attempts then: {len(w_during)}, answers: {status_table(w_during)}")
    bad = [r for r in records if r["status"] >= 500 and r["status"] not in (503, 507)]
    if bad:
        fails.append(f"{len(bad)} answers 5xx other than 503/507 ({status_table(bad)}), e.g. "
                     f"{bad[0]['op']} {bad[0].get('path')} {bad[0]['problem']}")
    not_problem = [r for r in records if r["status"] >= 400 and not r["problem"] and r["status"] != 0]
    if not_problem:
        fails.append(f"{len(not_problem)} error answers that are not problem documents")
    none = [r for r in records if r["status"] == 0]
    if none:
        fails.append(f"{len(none)} requests without an HTTP answer, e.g. {none[0]['error']}")
    no_ra = [r for r in records if r["status"] == 503 and not r["retry_after"]]
    if no_ra:
        fails.append(f"{len(no_ra)} answers 503 without Retry-After")
    if not refused:
        fails.append("no write was refused while the disk was full: was it really full?")
    types = {}
    for r in refused:
        types[(r["status"], r["problem"])] = types.get((r["status"], r["problem"]), 0) + 1
    print(f"[{a.label}] refused writes by answer: "
          + (", ".join(f"{s} {t}: {n}" for (s, t), n in sorted(types.items(), key=str)) or "none"))
    read_ok = [r for r in reads if r["status"] == 200]
    plain = [r for r in reads if not r.get("audited")]
    audited = [r for r in reads if r.get("audited")]
    print(f"[{a.label}] reads while full: {len(reads)}; of no child's data: {status_table(plain)}; "
          f"of children's data (each one audited, a write): {status_table(audited)}")
    if a.reads_must_work and (not plain or any(r["status"] != 200 for r in plain)):
        fails.append(f"reads of no child's data failed while the disk was full ({status_table(plain)})")
    # A read of a child's data whose audit entry cannot be written is refused (fail closed):
    # 503 storage-full, like the writes.
    unaudited = [r for r in audited if r["status"] not in (200, 503)]
    if unaudited:
        fails.append(f"reads of children's data answered {status_table(unaudited)} while the disk was full")
    details = {}
    for r in ready:
        k = (r["status"], r.get("detail"))
        details[k] = details.get(k, 0) + 1
    print(f"[{a.label}] /health/ready while full: "
          + ", ".join(f"{s} {d!r}: {n}" for (s, d), n in sorted(details.items(), key=str)))
    if a.ready_reason and not any(s == 503 and d and a.ready_reason in d for (s, d) in details):
        fails.append(f"/health/ready never said {a.ready_reason!r} while the disk was full")
    hung = [r for r in records if r["t1"] - r["t0"] > 5.0]
    if hung:
        h = max(hung, key=lambda r: r["t1"] - r["t0"])
        fails.append(f"{len(hung)} requests took over 5 s (longest {h['t1'] - h['t0']:.1f} s, {h['op']} {h['status']})")
    first = next((r for r in writes if r["t0"] >= freed and r["status"] == 201), None)
    if first is None:
        fails.append("writes did not resume after space returned")
    else:
        tail = [r for r in writes if r["t0"] >= max(first["t1"], end - 3.0)]
        print(f"[{a.label}] after the space returned: first 201 in {first['t1'] - freed:.2f} s; "
              f"writes in the last {end - max(first['t1'], end - 3.0):.1f} s: {status_table(tail)}")
        if not tail or any(r["status"] != 201 for r in tail):
            fails.append("writes not all acknowledged at the end of the load")
        ready_after = [r for r in records if r["op"] == "ready" and r["t0"] >= end - 1.0]
        if not ready_after or any(r["status"] != 200 for r in ready_after):
            fails.append("/health/ready not 200 at the end")
    fails += conflicts(records)
    acked = acknowledged(records)
    lost = lost_of(acked, a.db)
    print(f"[{a.label}] acknowledged writes: {len(acked)}; lost: {len(lost)}")
    if lost:
        fails.append(f"{len(lost)} acknowledged writes missing, e.g. {lost[:3]}")
    sent, statuses, dups, keys, stored = resend_and_count(creds, creds["base"], records, a.db)
    print(f"[{a.label}] client retries of the {sent} keys never acknowledged: {fmt_table(statuses)}; "
          f"stored {stored} rows for {keys} keys; keys stored twice: {dups}")
    if dups or stored != keys or any(s != 201 for s in statuses):
        fails.append("after the client retries every key should be stored exactly once")
    for f in fails:
        ok = False
        print(f"FAIL [{a.label}]: {f}")
    n500 = len([r for r in records if r["status"] == 500])
    print(f"disk_full summary [{a.label}]: writes refused while full {len(refused)} "
          f"({status_table(refused)}); "
          f"500s {n500} (goal 0); reads while full {len(read_ok)}/{len(reads)} answered 200 "
          f"(of no child's data {sum(1 for r in plain if r['status'] == 200)}/{len(plain)}); "
          f"acknowledged lost {len(lost)} (goal 0); "
          f"resumed {'yes' if first else 'no'}"
          + (f" ({first['t1'] - freed:.2f} s after the space returned)" if first else "")
          + f"; duplicates {dups}")
    print(f"disk_full [{a.label}]: " + ("PASS" if ok else "FAIL"))
    return 0 if ok else 1


# --------------------------------------------------------------------------------------------


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)

    s = sub.add_parser("mixed-load")
    s.add_argument("--creds", required=True)
    s.add_argument("--base", action="append", required=True)
    s.add_argument("--stop-file", required=True)
    s.add_argument("--started", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--cases", type=int, default=12,
                   help="cases the interventions are spread over (at random)")
    s.add_argument("--writers", type=int, default=8, help="half signals, half interventions")
    s.add_argument("--readers", type=int, default=2)
    s.add_argument("--timeout", type=float, default=15.0, help="HTTP timeout of each request")
    s.add_argument("--retry-for", type=float, default=60.0)
    s.add_argument("--retry-pause", type=float, default=0.5)
    s.set_defaults(f=cmd_mixed_load)

    s = sub.add_parser("check-failover")
    s.add_argument("--creds", required=True)
    s.add_argument("--records", required=True)
    s.add_argument("--events", required=True)
    s.add_argument("--db", required=True)
    s.add_argument("--rounds", type=int, required=True)
    s.add_argument("--max-outage", type=float, default=10.0)
    s.set_defaults(f=cmd_check_failover)

    s = sub.add_parser("check-disk")
    s.add_argument("--creds", required=True)
    s.add_argument("--records", required=True)
    s.add_argument("--events", required=True)
    s.add_argument("--db", required=True)
    s.add_argument("--label", required=True)
    s.add_argument("--ready-reason", help="text /health/ready's 503 must say while full")
    s.add_argument("--reads-must-work", action="store_true")
    s.set_defaults(f=cmd_check_disk)

    a = p.parse_args()
    sys.exit(a.f(a) or 0)


if __name__ == "__main__":
    main()
