#!/usr/bin/env python3
"""Load clients, checks and an SMTP sink for the fault scripts in tests/reliability/.

Standard library only (http.client, threads, asyncio), so the scripts run on a bare Python 3.
Each subcommand prints its figures; a check subcommand exits 1 when its goal is missed.
Database checks shell out to `psql` with the URL the script passes.

    faults.py bootstrap   --base URL --admin-password P --out creds.json
    faults.py wait-ready  --base URL [--timeout S]          prints seconds until /health/ready 200
    faults.py signal-load --creds C --stop-file F --out records.jsonl [--threads N] [--reads PCT]
    faults.py check-kill9 --creds C --records R --db URL --restarts FILE
    faults.py check-outage --creds C --records R --events FILE --db URL
    faults.py storm       --creds C --db URL --n 10000 [--threads N]
    faults.py ifmatch     --creds C [--n 50] [--rounds R]
    faults.py smtp-sink   --port P --out mails.jsonl
    faults.py escalations --creds C --db URL --mails mails.jsonl --logs A.err B.err [--cases K]
    faults.py soak        --creds C --seconds S --rate R --pid PID
"""

import argparse
import asyncio
import http.client
import json
import os
import random
import select
import statistics
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from email import policy
from email.parser import BytesParser
from urllib.parse import quote, urlparse

PASSWORD = "reliability test password 42"


# --------------------------------------------------------------------------------------------
# HTTP


class Response:
    __slots__ = ("status", "headers", "body", "t0", "t1", "error")

    def __init__(self, status, headers, body, t0, t1, error=None):
        self.status, self.headers, self.body = status, headers, body
        self.t0, self.t1, self.error = t0, t1, error

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    @property
    def elapsed(self):
        return self.t1 - self.t0


class Http:
    """One keep-alive connection per thread; status 0 means no HTTP answer (refused, reset,
    timed out) and the connection is reopened on the next call."""

    def __init__(self, base, timeout=10.0):
        u = urlparse(base)
        self.host, self.port, self.timeout = u.hostname, u.port, timeout
        self.local = threading.local()

    def _conn(self):
        c = getattr(self.local, "conn", None)
        if c is not None and c.sock is not None:
            # Like urllib3: a kept-alive connection the server has closed meanwhile (readable
            # at EOF) is not reused. The server may close after any answer, e.g. one it sent
            # before reading the request body.
            readable, _, _ = select.select([c.sock], [], [], 0)
            if readable:
                c.close()
                c = None
        if c is None:
            c = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self.local.conn = c
        return c

    def request(self, method, path, body=None, headers=None):
        h = {"Accept": "application/json"}
        if headers:
            h.update(headers)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        t0 = time.time()
        for attempt in range(2):
            c = self._conn()
            reused = c.sock is not None
            sent = False
            try:
                c.request(method, path, body=data, headers=h)
                sent = True
                r = c.getresponse()
                payload = r.read()
                hdrs = {k.lower(): v for k, v in r.getheaders()}
                if hdrs.get("connection", "").lower() == "close":
                    c.close()
                    self.local.conn = None
                return Response(r.status, hdrs, payload, t0, time.time())
            except (OSError, http.client.HTTPException) as e:
                c.close()
                self.local.conn = None
                # A reused connection that failed while sending, or closed before any byte of
                # the answer: the server closed it between requests and never processed this
                # one, so it is sent again once on a fresh connection (what HTTP clients do).
                stale = reused and (not sent or isinstance(e, http.client.RemoteDisconnected))
                if attempt == 0 and stale:
                    continue
                return Response(0, {}, b"", t0, time.time(), repr(e))
        return Response(0, {}, b"", t0, time.time(), "unreachable")


class User:
    """A logged-in user; logs in again on 401 (access tokens live 15 minutes)."""

    def __init__(self, http_, username, password, user_id=None):
        self.http, self.username, self.password, self.id = http_, username, password, user_id
        self.token = None
        self.lock = threading.Lock()

    def login(self):
        with self.lock:
            for _ in range(50):
                r = self.http.request("POST", "/api/v1/auth/login",
                                      {"username": self.username, "password": self.password})
                if r.status == 200:
                    self.token = r.json()["access_token"]
                    return
                time.sleep(0.2)
            raise SystemExit(f"login {self.username}: {r.status} {r.body[:300]!r}")

    def call(self, method, path, body=None, headers=None):
        if self.token is None:
            self.login()
        for _ in range(2):
            h = {"Authorization": f"Bearer {self.token}"}
            if headers:
                h.update(headers)
            r = self.http.request(method, path, body, h)
            if r.status != 401:
                return r
            self.login()
        return r


def must(r, *ok):
    if r.status not in ok:
        raise SystemExit(f"unexpected {r.status}: {r.body[:500]!r}")
    return r.json()


def users_from(creds, base=None, timeout=10.0):
    http_ = Http(base or creds["base"], timeout)
    return {role: User(http_, u["username"], u["password"], u.get("id"))
            for role, u in creds["users"].items()}


def load_creds(path):
    with open(path) as f:
        return json.load(f)


# --------------------------------------------------------------------------------------------
# Database


def psql(db, sql):
    """Rows of `sql` as lists of strings (psql -At, unit separator between columns)."""
    out = subprocess.run(["psql", db, "-v", "ON_ERROR_STOP=1", "-qAtX", "-F", "\x1f", "-c", sql],
                         check=True, capture_output=True, text=True).stdout
    return [line.split("\x1f") for line in out.splitlines() if line]


# --------------------------------------------------------------------------------------------
# Bodies


def now_iso(delta=timedelta(0)):
    return (datetime.now(timezone.utc) + delta).strftime("%Y-%m-%dT%H:%M:%SZ")


# Fixed, so that a retry from another process sends byte-for-byte the same body.
OBSERVED = "2026-01-15T10:00:00Z"


def signal_body(tag, child=None):
    b = {
        "source": "mobile_group",
        "concerns": ["neglect"],
        "urgency": "medium",
        "description": f"Reliability test signal {tag}",
        "observed_at": OBSERVED,
        "region_code": "KZ-71",
        "district_code": "KZ-71-01",
        "reporter": {"name": "Neighbour", "relation": "neighbour", "anonymous": False},
    }
    if child:
        b["child"] = child
    return b


NAMES = ["Айдана", "Нұрлан", "Ерлан", "Мадина", "Дана", "Арман", "Әсел", "Тимур", "Жанар", "Бекзат"]


def child_of(i):
    return {"first_name": NAMES[i % len(NAMES)], "last_name": f"Сынақ{i}",
            "birth_date": f"201{i % 10}-0{1 + i % 9}-1{i % 10}", "sex": "female" if i % 2 else "male"}


# --------------------------------------------------------------------------------------------
# bootstrap / wait-ready


def cmd_bootstrap(a):
    http_ = Http(a.base)
    admin = User(http_, "admin", a.admin_password)
    r = admin.call("POST", "/api/v1/regions/KZ-71/districts",
                   {"code": "KZ-71-01", "name": {"kk": "Аудан", "ru": "Район", "en": "District"}})
    must(r, 201, 409)

    def org(kind, district):
        body = {"name": f"{kind} KZ-71", "kind": kind, "region_code": "KZ-71",
                "district_code": district, "email": f"{kind}@example.kz"}
        return must(admin.call("POST", "/api/v1/organisations", body), 201)["id"]

    orgs = {
        "mobile_group": org("mobile_group", "KZ-71-01"),
        "family_support_centre": org("family_support_centre", "KZ-71-01"),
        "child_rights_department": org("child_rights_department", None),
    }
    people = [("mobile", "mobile_group_member", "mobile_group"),
              ("intake", "intake_coordinator", "family_support_centre"),
              ("supervisor", "supervisor", "child_rights_department"),
              ("manager", "case_manager", "child_rights_department")]
    users = {"admin": {"username": "admin", "password": a.admin_password}}
    for role, kind, o in people:
        username = f"rel.{role}"
        body = {"username": username, "full_name": f"Reliability {role}",
                "email": f"{username}@example.kz", "password": PASSWORD, "role": kind,
                "organisation_id": orgs[o]}
        uid = must(admin.call("POST", "/api/v1/users", body), 201)["id"]
        users[role] = {"username": username, "password": PASSWORD, "id": uid}
    creds = {"base": a.base, "organisations": orgs, "users": users}
    with open(a.out, "w") as f:
        json.dump(creds, f, indent=1)
    print(f"bootstrap: district KZ-71-01, {len(orgs)} organisations, {len(people)} users")


def cmd_wait_ready(a):
    http_ = Http(a.base, timeout=1.0)
    t0 = time.time()
    if a.started_file:
        with open(a.started_file, "w") as f:
            f.write("polling\n")
    while time.time() - t0 < a.timeout:
        r = http_.request("GET", "/health/ready")
        if r.status == 200:
            print(f"{r.t1:.3f}" if a.print_at else f"{r.t1 - t0:.3f}")
            return 0
        time.sleep(0.005)
    print(f"not ready after {a.timeout} s", file=sys.stderr)
    return 1


# --------------------------------------------------------------------------------------------
# signal-load: POST /signals (and optionally reads) until the stop file appears


def cmd_signal_load(a):
    creds = load_creds(a.creds)
    users = users_from(creds, timeout=a.timeout)
    mobile, supervisor = users["mobile"], users["supervisor"]
    mobile.login()
    supervisor.login()
    run = uuid.uuid4().hex[:8]
    records, lock = [], threading.Lock()
    known_ids = []
    counter = iter(range(10 ** 9))
    stop = threading.Event()

    def writer():
        rec = []
        while not stop.is_set():
            with lock:
                i = next(counter)
            key = f"{run}-{i}"
            body = signal_body(key)
            r = mobile.call("POST", "/api/v1/signals", body, {"Idempotency-Key": key})
            sid = (r.json() or {}).get("id") if r.status in (200, 201) else None
            if sid:
                known_ids.append(sid)
            rec.append({"op": "post", "key": key, "status": r.status, "id": sid, "t0": r.t0,
                        "t1": r.t1, "retry_after": r.headers.get("retry-after"),
                        "error": r.error})
            if r.status == 0:
                time.sleep(0.02)  # the server is down: do not spin
        with lock:
            records.extend(rec)

    def reader():
        rec = []
        while not stop.is_set():
            if known_ids and random.random() < 0.5:
                path = f"/api/v1/signals/{random.choice(known_ids)}"
            else:
                path = "/api/v1/signals?limit=10"
            r = supervisor.call("GET", path)
            rec.append({"op": "get", "status": r.status, "t0": r.t0, "t1": r.t1,
                        "retry_after": r.headers.get("retry-after"), "error": r.error})
            if r.status == 0:
                time.sleep(0.02)
        with lock:
            records.extend(rec)

    def ready():
        http_ = Http(creds["base"], timeout=a.timeout)
        rec = []
        while not stop.is_set():
            r = http_.request("GET", "/health/ready")
            rec.append({"op": "ready", "status": r.status, "t0": r.t0, "t1": r.t1,
                        "retry_after": r.headers.get("retry-after"), "error": r.error})
            time.sleep(0.1)
        with lock:
            records.extend(rec)

    readers = round(a.threads * a.reads / 100)
    threads = [threading.Thread(target=writer) for _ in range(a.threads - readers)]
    threads += [threading.Thread(target=reader) for _ in range(readers)]
    if a.ready:
        threads.append(threading.Thread(target=ready))
    run_until_stopped(threads, stop, records, a)
    posts = [r for r in records if r["op"] == "post"]
    print(f"load: {len(records)} requests ({len(posts)} POST /signals), "
          f"{sum(1 for r in posts if r['status'] == 201)} answered 201")
    return 0


def run_until_stopped(threads, stop, records, a):
    """Starts the load's threads, says so in `a.started`, stops them when `a.stop_file`
    appears, and writes their records, oldest first, to `a.out` (one JSON object a line)."""
    for t in threads:
        t.start()
    with open(a.started, "w") as f:
        f.write("started\n")
    while not os.path.exists(a.stop_file):
        time.sleep(0.05)
    stop.set()
    for t in threads:
        t.join()
    records.sort(key=lambda r: r["t0"])
    with open(a.out, "w") as f:
        for r in records:
            f.write(json.dumps(r) + "\n")


def read_records(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def status_table(records):
    table = {}
    for r in records:
        table[r["status"]] = table.get(r["status"], 0) + 1
    return ", ".join(f"{k if k else 'no answer'}: {v}" for k, v in sorted(table.items()))


def acknowledged_lost(records, db):
    """(acknowledged, lost, stored): signals answered 201 and whether the database has them."""
    acked = {r["key"]: r["id"] for r in records if r["op"] == "post" and r["status"] == 201}
    stored = {row[0] for row in psql(db, "SELECT id FROM signals")}
    lost = [(k, i) for k, i in acked.items() if i not in stored]
    return acked, lost, stored


def resend_unacknowledged(creds, records):
    """Sends every POST that got no 201 again with its key; returns the statuses."""
    users = users_from(creds)
    mobile = users["mobile"]
    keys = sorted({r["key"] for r in records if r["op"] == "post"} -
                  {r["key"] for r in records if r["op"] == "post" and r["status"] == 201})
    statuses = {}
    for key in keys:
        r = mobile.call("POST", "/api/v1/signals", signal_body(key), {"Idempotency-Key": key})
        statuses[r.status] = statuses.get(r.status, 0) + 1
    return len(keys), statuses


# --------------------------------------------------------------------------------------------
# kill -9


def cmd_check_kill9(a):
    creds = load_creds(a.creds)
    records = read_records(a.records)
    posts = [r for r in records if r["op"] == "post"]
    acked, lost, stored = acknowledged_lost(records, a.db)
    restarts = [float(x) for x in open(a.restarts).read().split()]
    ok = True
    print(f"POST /signals sent: {len(posts)}; answers: {status_table(posts)}")
    print(f"acknowledged (201): {len(acked)}; in the database: {len(acked) - len(lost)}; "
          f"lost: {len(lost)}")
    unacked_stored = len(stored) - (len(acked) - len(lost))
    print(f"stored but not acknowledged (in flight at a kill): {unacked_stored}")
    if lost:
        ok = False
        print(f"FAIL: {len(lost)} acknowledged signal(s) missing, e.g. {lost[:5]}")
    bad = [r for r in posts if r["status"] >= 500]
    if bad:
        ok = False
        print(f"FAIL: {len(bad)} answers 5xx")
    print("restart to ready (s): " + ", ".join(f"{x:.3f}" for x in restarts) +
          f"; max {max(restarts):.3f}")
    if len(restarts) != a.kills or max(restarts) > 1.0:
        ok = False
        print(f"FAIL: restart to ready over 1 s (or a restart failed): {restarts}")
    # Clients retry what was not acknowledged with the same key: nothing is stored twice.
    distinct = len({r["key"] for r in posts})
    n, statuses = resend_unacknowledged(creds, records)
    total = int(psql(a.db, "SELECT count(*) FROM signals")[0][0])
    print(f"retried {n} unacknowledged request(s) with their keys: "
          f"{', '.join(f'{k}: {v}' for k, v in sorted(statuses.items()))}; "
          f"signals stored {total} for {distinct} distinct keys")
    if total != distinct or any(s != 201 for s in statuses):
        ok = False
        print("FAIL: after client retries the database should hold exactly one signal per key")
    print("kill9: " + ("PASS" if ok else "FAIL"))
    return 0 if ok else 1


# --------------------------------------------------------------------------------------------
# PostgreSQL outage


def cmd_check_outage(a):
    records = read_records(a.records)
    events = {}
    for line in open(a.events):
        name, t = line.split()
        events[name] = float(t)
    # PostgreSQL accepts connections before `pg_ctlcluster start` returns: the outage is from
    # the return of stop to the call of start.
    stop, start, end = events["pg_stopped"], events["pg_start_called"], events["load_stopped"]
    ok = True
    api = [r for r in records if r["op"] != "ready"]
    ready = [r for r in records if r["op"] == "ready"]
    # Requests wholly inside the outage (one started late in it may be answered by the database
    # that is back).
    during = [r for r in api if r["t0"] >= stop and r["t1"] < start]
    print(f"outage {start - stop:.1f} s (stop called {events['pg_stop_called'] - events['load_started']:.1f} s "
          f"into the load, returned after {stop - events['pg_stop_called']:.1f} s; start took "
          f"{events['pg_started'] - start:.1f} s)")
    print(f"API requests during the outage: {len(during)}; answers: {status_table(during)}")
    print(f"API requests overall: {len(api)}; answers: {status_table(api)}")
    five = [r for r in api if r["status"] >= 500 and r["status"] != 503]
    if five:
        ok = False
        print(f"FAIL: {len(five)} answers 5xx other than 503: {status_table(five)}")
    no_answer = [r for r in api + ready if r["status"] == 0]
    if no_answer:
        ok = False
        print(f"FAIL: {len(no_answer)} requests without an HTTP answer, e.g. {no_answer[0]['error']}")
    n503 = [r for r in api + ready if r["status"] == 503]
    missing = [r for r in n503 if not r["retry_after"]]
    print(f"503 answers: {len(n503)}; without Retry-After: {len(missing)}"
          + (f"; Retry-After values: {sorted({r['retry_after'] for r in n503})}" if n503 else ""))
    if missing:
        ok = False
        print("FAIL: 503 without Retry-After")
    if not [r for r in during if r["status"] == 503]:
        ok = False
        print("FAIL: no 503 during the outage (was the database really stopped?)")
    slowest = max(api + ready, key=lambda r: r["t1"] - r["t0"])
    lat_out = [r["t1"] - r["t0"] for r in during] or [0]
    print(f"latency during the outage: median {statistics.median(lat_out):.3f} s, "
          f"max {max(lat_out):.3f} s; slowest request overall {slowest['t1'] - slowest['t0']:.3f} s "
          f"({slowest['op']} {slowest['status']})")
    if slowest["t1"] - slowest["t0"] > 5.0:
        ok = False
        print("FAIL: a request hung past 5 s")
    # /health/ready: 503 throughout the outage (after a second for the stop to take effect).
    ready_out = [r for r in ready if stop <= r["t0"] and r["t1"] < start]
    print(f"/health/ready during the outage: {status_table(ready_out)}")
    if not ready_out or any(r["status"] != 503 for r in ready_out):
        ok = False
        print("FAIL: /health/ready should answer 503 while the database is down")
    first_ready = next((r["t1"] for r in ready if r["t0"] >= start and r["status"] == 200), None)
    first_write = next((r["t1"] for r in api if r["t0"] >= start and r["op"] == "post"
                        and r["status"] == 201), None)
    if first_ready is None or first_write is None:
        ok = False
        print("FAIL: no recovery after PostgreSQL was started")
    else:
        print(f"recovery after start: /health/ready 200 in {first_ready - start:.2f} s, "
              f"first 201 in {first_write - start:.2f} s")
        tail = [r for r in api if r["t0"] >= max(first_write, end - 5.0)]
        failed = [r for r in tail if r["status"] not in (200, 201)]
        print(f"requests after recovery (last {end - max(first_write, end - 5.0):.1f} s): "
              f"{len(tail)}; answers: {status_table(tail)}")
        if not tail or failed:
            ok = False
            print("FAIL: not fully recovered at the end of the load")
    acked, lost, _ = acknowledged_lost(records, a.db)
    print(f"acknowledged writes: {len(acked)}; lost: {len(lost)}")
    if lost:
        ok = False
        print(f"FAIL: acknowledged signals missing, e.g. {lost[:5]}")
    print("pg_restart: " + ("PASS" if ok else "FAIL"))
    return 0 if ok else 1


# --------------------------------------------------------------------------------------------
# Idempotent retry storm


def cmd_storm(a):
    creds = load_creds(a.creds)
    mobile = users_from(creds, timeout=30.0)["mobile"]
    mobile.login()
    run = uuid.uuid4().hex[:8]
    before = int(psql(a.db, "SELECT count(*) FROM signals")[0][0])
    # Each submission twice, the two copies next to each other in the queue so that two
    # threads send them at the same moment.
    jobs = []
    for i in range(a.n):
        jobs += [(i, 0), (i, 1)]
    answers = [[None, None] for _ in range(a.n)]
    pos = iter(range(len(jobs)))
    lock = threading.Lock()

    def work():
        while True:
            with lock:
                j = next(pos, None)
            if j is None:
                return
            i, copy = jobs[j]
            key = f"storm-{run}-{i}"
            r = mobile.call("POST", "/api/v1/signals", signal_body(key), {"Idempotency-Key": key})
            answers[i][copy] = (r.status, (r.json() or {}).get("id"), r.t0, r.t1)

    t0 = time.time()
    threads = [threading.Thread(target=work) for _ in range(a.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.time() - t0
    flat = [x for pair in answers for x in pair]
    # The two copies were in flight at the same time: the race the key has to settle.
    overlapped = sum(1 for a_, b_ in answers if a_[2] < b_[3] and b_[2] < a_[3])
    table = {}
    for s, *_ in flat:
        table[s] = table.get(s, 0) + 1
    stored = int(psql(a.db, "SELECT count(*) FROM signals")[0][0]) - before
    keys = int(psql(a.db, "SELECT count(*) FROM idempotency_keys WHERE idempotency_key "
                          f"LIKE 'storm-{run}-%'")[0][0])
    same = sum(1 for p in answers if p[0][0] == 201 and p[1][0] == 201 and p[0][1] == p[1][1])
    print(f"{a.n} submissions x 2 = {len(flat)} requests in {elapsed:.1f} s "
          f"({len(flat) / elapsed:.0f} req/s, {a.threads} concurrent clients)")
    print(f"answers: {', '.join(f'{k}: {v}' for k, v in sorted(table.items()))}")
    print(f"pairs whose two copies were in flight at the same time: {overlapped} of {a.n}")
    print(f"pairs answered 201 twice with the same signal id: {same} of {a.n}")
    print(f"signals stored: {stored} (expected exactly {a.n}); idempotency keys: {keys}")
    ok = stored == a.n and same == a.n
    print("retry_storm: " + ("PASS" if ok else "FAIL"))
    return 0 if ok else 1


# --------------------------------------------------------------------------------------------
# Concurrent If-Match


def open_case(users, i, assign=False):
    s = must(users["mobile"].call("POST", "/api/v1/signals", signal_body(f"case-{i}", child_of(i))), 201)
    decision = {"decision": "open_case", "risk_level": "medium"}
    if assign:
        decision["assignee_id"] = users["manager"].id
    t = must(users["supervisor"].call("POST", f"/api/v1/signals/{s['id']}/triage", decision), 200)
    return t["case_id"]


LEVELS = ["critical", "high", "low"]


def cmd_ifmatch(a):
    creds = load_creds(a.creds)
    users = users_from(creds, timeout=30.0)
    sup = users["supervisor"]
    case = open_case(users, random.randrange(10 ** 6))
    ok = True
    totals = {}
    for rnd in range(a.rounds):
        card = sup.call("GET", f"/api/v1/cases/{case}")
        etag, version = card.headers["etag"], must(card, 200)["version"]
        barrier = threading.Barrier(a.n)
        results = [None] * a.n
        # Each client wants another risk level (never the current one: medium), so each 200
        # would be visible as a change.
        current = card.json()["risk_level"]
        choices = [lv for lv in LEVELS + ["medium"] if lv != current]

        def patch(i):
            body = {"risk_level": choices[i % len(choices)], "risk_reason": f"client {i} round {rnd}"}
            # Warm the connection (and token) first so the PATCHes leave together.
            sup.call("GET", "/health/live")
            barrier.wait()
            r = sup.call("PATCH", f"/api/v1/cases/{case}", body, {"If-Match": etag})
            results[i] = (r.status, body, r.json())

        threads = [threading.Thread(target=patch, args=(i,)) for i in range(a.n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        table = {}
        for s, _, _ in results:
            table[s] = table.get(s, 0) + 1
            totals[s] = totals.get(s, 0) + 1
        after = must(sup.call("GET", f"/api/v1/cases/{case}"), 200)
        winners = [(b, j) for s, b, j in results if s == 200]
        good = table.get(200) == 1 and table.get(412) == a.n - 1
        good = good and after["version"] == version + 1
        if winners:
            good = good and after["risk_level"] == winners[0][0]["risk_level"] \
                and winners[0][1]["version"] == version + 1
        print(f"round {rnd + 1}: {a.n} PATCH with If-Match {etag}: "
              f"{', '.join(f'{k}: {v}' for k, v in sorted(table.items()))}; version {version} -> "
              f"{after['version']}; stored risk {after['risk_level']} "
              f"(winner asked {winners[0][0]['risk_level'] if winners else '-'})"
              + ("" if good else "  <- FAIL"))
        ok = ok and good
    print(f"all rounds: {', '.join(f'{k}: {v}' for k, v in sorted(totals.items()))}")
    print("ifmatch: " + ("PASS" if ok else "FAIL"))
    return 0 if ok else 1


# --------------------------------------------------------------------------------------------
# SMTP sink and the two-instance escalation check


class Sink(asyncio.Protocol):
    """Just enough RFC 5321 for lettre without TLS or AUTH; each message appended as a JSON line."""

    def __init__(self, out):
        self.out, self.buf, self.data, self.mail_from, self.rcpt = out, b"", None, None, []

    def connection_made(self, transport):
        self.t = transport
        self.t.write(b"220 sink ESMTP\r\n")

    def data_received(self, chunk):
        self.buf += chunk
        while b"\r\n" in self.buf:
            line, self.buf = self.buf.split(b"\r\n", 1)
            self.line(line)

    def line(self, line):
        if self.data is not None:
            if line == b".":
                self.store(b"\r\n".join(self.data))
                self.data = None
                self.t.write(b"250 queued\r\n")
            else:
                self.data.append(line[1:] if line.startswith(b"..") else line)
            return
        cmd = line[:4].upper()
        if cmd in (b"EHLO", b"HELO"):
            self.t.write(b"250 sink\r\n")
        elif cmd == b"MAIL":
            self.mail_from, self.rcpt = line.split(b":", 1)[1].strip(b" <>").decode(), []
            self.t.write(b"250 ok\r\n")
        elif cmd == b"RCPT":
            self.rcpt.append(line.split(b":", 1)[1].strip(b" <>").decode())
            self.t.write(b"250 ok\r\n")
        elif cmd == b"DATA":
            self.data = []
            self.t.write(b"354 go ahead\r\n")
        elif cmd == b"QUIT":
            self.t.write(b"221 bye\r\n")
            self.t.close()
        else:
            self.t.write(b"250 ok\r\n")

    def store(self, raw):
        msg = BytesParser(policy=policy.default).parsebytes(raw)
        body = msg.get_body(preferencelist=("plain",))
        text = body.get_content() if body else ""
        rec = {"at": time.time(), "from": self.mail_from, "to": self.rcpt,
               "subject": str(msg["subject"]), "text": text}
        with open(self.out, "a") as f:
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")


def cmd_smtp_sink(a):
    async def main():
        loop = asyncio.get_running_loop()
        server = await loop.create_server(lambda: Sink(a.out), "127.0.0.1", a.port)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def field(text, label):
    for line in text.splitlines():
        if line.startswith(label):
            return line[len(label):].strip()
    return None


def cmd_escalations(a):
    creds = load_creds(a.creds)
    users = users_from(creds, timeout=30.0)
    ok = True
    # A second supervisor of the region: each escalation goes to both, one email each.
    admin = users["admin"]
    body = {"username": "rel.supervisor2", "full_name": "Reliability supervisor 2",
            "email": "rel.supervisor2@example.kz", "password": PASSWORD, "role": "supervisor",
            "organisation_id": creds["organisations"]["child_rights_department"]}
    must(admin.call("POST", "/api/v1/users", body), 201, 409)
    t_begin = time.time()
    lapsed = []
    for wave in range(a.waves):
        cases = [open_case(users, wave * 1000 + i, assign=True) for i in range(a.cases)]
        ids = ",".join(f"'{c}'" for c in cases)
        # Every pending deadline of these cases lapsed an hour ago (its span five days).
        rows = psql(a.db, "UPDATE deadlines SET starts_at = now() at time zone 'utc' - interval '5 days', "
                          "due_at = now() at time zone 'utc' - interval '1 hour' "
                          f"WHERE case_id IN ({ids}) AND status = 'pending' AND escalated_at IS NULL "
                          "RETURNING id")
        lapsed += [r[0] for r in rows]
        print(f"wave {wave + 1}: {len(cases)} cases opened, {len(rows)} pending deadlines lapsed")
        time.sleep(a.pause)
    supervisors = int(psql(a.db, "SELECT count(*) FROM users u JOIN organisations o ON o.id = u.organisation_id "
                                 "WHERE u.role = 'supervisor' AND o.region_code = 'KZ-71' AND u.email IS NOT NULL")[0][0])
    expected = len(lapsed) * supervisors
    deadline = time.time() + a.timeout

    def mails():
        if not os.path.exists(a.mails):
            return []
        with open(a.mails) as f:
            return [json.loads(line) for line in f if line.strip()]

    while time.time() < deadline and len([m for m in mails() if "просрочен" in m["subject"]]) < expected:
        time.sleep(0.5)
    arrived = time.time() - t_begin
    time.sleep(a.settle)  # anything sent twice would arrive now
    esc = [m for m in mails() if "просрочен" in m["subject"]]
    per = {}
    for m in esc:
        k = (tuple(m["to"]), field(m["text"], "Дело:"), field(m["text"], "Срок:"))
        per[k] = per.get(k, 0) + 1
    dup = {k: v for k, v in per.items() if v > 1}
    escalated = psql(a.db, "SELECT count(*), count(escalated_at) FROM deadlines WHERE id IN (%s)"
                     % ",".join(f"'{d}'" for d in lapsed))[0]
    events = psql(a.db, "SELECT ref_id, count(*) FROM timeline_events WHERE kind = 'escalation' "
                        "GROUP BY ref_id HAVING count(*) > 1") if lapsed else []
    outbox = psql(a.db, "SELECT count(*), count(sent_at) FROM outbox")[0]
    claimed = []
    for log in a.logs:
        n = 0
        for line in open(log, errors="replace"):
            if "worker pass" in line and "escalations:" in line:
                n += int(line.split("escalations:")[1].split(",")[0].strip())
        claimed.append(n)
    print(f"deadlines lapsed: {len(lapsed)} x {supervisors} supervisor(s) = {expected} escalation emails expected")
    print(f"escalation emails received: {len(esc)} ({len(per)} distinct deadline+recipient) "
          f"within {arrived:.1f} s; duplicates: {len(dup)}")
    print(f"escalations claimed per instance (worker logs): {claimed}")
    print(f"deadlines marked escalated: {escalated[1]} of {escalated[0]}; timeline escalations "
          f"recorded twice: {len(events)}; outbox rows {outbox[0]}, sent {outbox[1]}")
    if len(esc) != expected or len(per) != expected or dup or events:
        ok = False
        print(f"FAIL: each escalation email should arrive exactly once; duplicates: {list(dup.items())[:5]}")
    if int(escalated[1]) != len(lapsed):
        ok = False
        print("FAIL: not every lapsed deadline was escalated")
    print("two_instances: " + ("PASS" if ok else "FAIL"))
    return 0 if ok else 1


# --------------------------------------------------------------------------------------------
# Soak


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cmd_soak(a):
    creds = load_creds(a.creds)
    users = users_from(creds, timeout=30.0)
    sup, mobile, manager = users["supervisor"], users["mobile"], users["manager"]
    for u in (sup, mobile, manager):
        u.login()
    print(f"preparing {a.cases} cases ...", flush=True)
    cases = [open_case(users, 500000 + i, assign=True) for i in range(a.cases)]
    versions = {c: must(sup.call("GET", f"/api/v1/cases/{c}"), 200)["version"] for c in cases}
    children = [must(sup.call("GET", f"/api/v1/cases/{c}"), 200)["child_id"] for c in cases]
    signal_ids = [s["id"] for s in must(sup.call("GET", "/api/v1/signals?limit=100"), 200)["items"]]
    vlock = threading.Lock()
    seq = iter(range(10 ** 9))

    def r_signals():
        return sup.call("GET", "/api/v1/signals?limit=20")

    def r_signal():
        return sup.call("GET", f"/api/v1/signals/{random.choice(signal_ids)}")

    def r_case():
        return sup.call("GET", f"/api/v1/cases/{random.choice(cases)}")

    def r_cases():
        return sup.call("GET", "/api/v1/cases?limit=20")

    def r_children():
        q_ = quote(random.choice(["Айдана", "Нурлан", "Мадина"]))
        return sup.call("GET", f"/api/v1/children?q={q_}")

    def r_timeline():
        return sup.call("GET", f"/api/v1/children/{random.choice(children)}/timeline")

    def r_caseload():
        return sup.call("GET", "/api/v1/supervision/caseload?region_code=KZ-71")

    def w_signal():
        i = next(seq)
        key = f"soak-{uuid.uuid4().hex}"
        child = child_of(i) if i % 2 else None
        r = mobile.call("POST", "/api/v1/signals", signal_body(key, child), {"Idempotency-Key": key})
        if r.status == 201 and len(signal_ids) < 5000:
            signal_ids.append(r.json()["id"])
        return r

    def w_patch():
        c = random.choice(cases)
        with vlock:
            v = versions[c]
        concerns = random.choice([["neglect"], ["neglect", "family_crisis"], ["neglect", "out_of_school"]])
        r = manager.call("PATCH", f"/api/v1/cases/{c}", {"concerns": concerns}, {"If-Match": f'"{v}"'})
        if r.status == 200:
            with vlock:
                versions[c] = max(versions[c], r.json()["version"])
        elif r.status == 412:
            fresh = sup.call("GET", f"/api/v1/cases/{c}")
            if fresh.status == 200:
                with vlock:
                    versions[c] = fresh.json()["version"]
        return r

    def w_intervention():
        body = {"kind": "home_visit", "assistance_type": "social", "occurred_at": now_iso(-timedelta(minutes=5)),
                "summary": "Soak test visit", "child_seen": True, "duration_minutes": 30}
        return manager.call("POST", f"/api/v1/cases/{random.choice(cases)}/interventions", body)

    reads = [(r_signals, 20), (r_signal, 15), (r_case, 15), (r_cases, 8), (r_children, 5), (r_timeline, 5), (r_caseload, 2)]
    writes = [(w_signal, 20), (w_patch, 5), (w_intervention, 5)]
    ops = [f for f, w in reads + writes for _ in range(w)]
    assert len(ops) == 100
    stats = {}  # op name -> {status: count}
    lat = {}
    late = [0]
    lock = threading.Lock()
    import queue
    q = queue.Queue()

    client_errors = []

    def worker():
        while True:
            job = q.get()
            if job is None:
                return
            f, due = job
            if time.time() - due > 1.0:
                with lock:
                    late[0] += 1
            try:
                r = f()
                status, elapsed = r.status, r.elapsed
            except Exception as e:  # a bug of this client, not of the server: reported apart
                status, elapsed = -1, 0.0
                with lock:
                    client_errors.append(repr(e))
            with lock:
                s = stats.setdefault(f.__name__, {})
                s[status] = s.get(status, 0) + 1
                lat.setdefault(f.__name__, []).append(elapsed)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(a.clients)]
    for t in threads:
        t.start()
    samples = []  # (t, rss KiB)
    warm = min(a.warmup, a.seconds / 5)
    t0 = time.time()
    next_sample = t0
    i = 0
    print(f"soak: {a.seconds} s at {a.rate} req/s (70 % reads, 30 % writes), warm-up {warm:.0f} s, "
          f"server pid {a.pid}", flush=True)
    while True:
        now = time.time()
        if now - t0 >= a.seconds:
            break
        if now >= next_sample:
            samples.append((now - t0, rss_kib(a.pid)))
            next_sample += a.sample
            if len(samples) % max(1, int(60 / a.sample)) == 0:
                done = sum(sum(s.values()) for s in stats.values())
                print(f"  t={now - t0:5.0f} s  rss={samples[-1][1] / 1024:.1f} MiB  requests={done}  "
                      f"queued={q.qsize()}", flush=True)
        due = t0 + i / a.rate
        if due > now:
            time.sleep(min(due - now, max(0.0, next_sample - now)) or 0.001)
            continue
        q.put((random.choice(ops), due))
        i += 1
    for _ in threads:
        q.put(None)
    for t in threads:
        t.join()
    elapsed = time.time() - t0
    samples.append((elapsed, rss_kib(a.pid)))
    total = sum(sum(s.values()) for s in stats.values())
    print(f"requests: {total} in {elapsed:.0f} s ({total / elapsed:.1f} req/s; scheduled {i}; "
          f"started more than 1 s late: {late[0]})")
    if client_errors:
        print(f"client errors: {len(client_errors)}, e.g. {client_errors[0]}")
    ok = True
    n5xx = 0
    for name in sorted(stats):
        s = stats[name]
        l = sorted(lat[name])
        p95 = l[int(0.95 * (len(l) - 1))]
        print(f"  {name:15s} {sum(s.values()):6d}  {', '.join(f'{k}: {v}' for k, v in sorted(s.items()))}  "
              f"p50 {statistics.median(l) * 1000:.0f} ms p95 {p95 * 1000:.0f} ms")
        n5xx += sum(v for k, v in s.items() if k >= 500 or k == 0)
        good = sum(v for k, v in s.items() if 200 <= k < 300 or (name == "w_patch" and k == 412))
        if good < 0.95 * sum(s.values()):
            ok = False
            print(f"FAIL: {name} mostly not answered 2xx: the workload is not what it claims")
    print(f"responses 5xx (or no answer): {n5xx}")
    if n5xx:
        ok = False
        print("FAIL: 5xx answers during the soak")
    base = [r for t, r in samples if warm - 3 * a.sample <= t <= warm + 0.01] or [samples[0][1]]
    baseline = statistics.mean(base)
    final = statistics.mean([r for _, r in samples[-3:]])
    peak = max(r for _, r in samples)
    growth = (final - baseline) / baseline * 100
    print(f"RSS: start {samples[0][1] / 1024:.1f} MiB, after warm-up {baseline / 1024:.1f} MiB, "
          f"end {final / 1024:.1f} MiB, peak {peak / 1024:.1f} MiB; growth after warm-up {growth:+.1f} %")
    with open(a.rss_out, "w") as f:
        for t, r in samples:
            f.write(f"{t:.1f} {r}\n")
    if growth >= 10.0:
        ok = False
        print("FAIL: RSS grew 10 % or more after warm-up")
    print("soak: " + ("PASS" if ok else "FAIL"))
    return 0 if ok else 1


# --------------------------------------------------------------------------------------------


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)

    s = sub.add_parser("bootstrap")
    s.add_argument("--base", required=True)
    s.add_argument("--admin-password", required=True)
    s.add_argument("--out", required=True)
    s.set_defaults(f=cmd_bootstrap)

    s = sub.add_parser("wait-ready")
    s.add_argument("--base", required=True)
    s.add_argument("--timeout", type=float, default=30.0)
    s.add_argument("--print-at", action="store_true", help="print the epoch time of the first 200")
    s.add_argument("--started-file", help="written when polling begins")
    s.set_defaults(f=cmd_wait_ready)

    s = sub.add_parser("signal-load")
    s.add_argument("--creds", required=True)
    s.add_argument("--stop-file", required=True)
    s.add_argument("--started", required=True, help="file written once the load runs")
    s.add_argument("--out", required=True)
    s.add_argument("--threads", type=int, default=8)
    s.add_argument("--reads", type=int, default=0, help="percent of threads reading")
    s.add_argument("--ready", action="store_true", help="also poll /health/ready every 100 ms")
    s.add_argument("--timeout", type=float, default=10.0)
    s.set_defaults(f=cmd_signal_load)

    s = sub.add_parser("check-kill9")
    s.add_argument("--creds", required=True)
    s.add_argument("--records", required=True)
    s.add_argument("--db", required=True)
    s.add_argument("--restarts", required=True)
    s.add_argument("--kills", type=int, default=5)
    s.set_defaults(f=cmd_check_kill9)

    s = sub.add_parser("check-outage")
    s.add_argument("--records", required=True)
    s.add_argument("--events", required=True)
    s.add_argument("--db", required=True)
    s.set_defaults(f=cmd_check_outage)

    s = sub.add_parser("storm")
    s.add_argument("--creds", required=True)
    s.add_argument("--db", required=True)
    s.add_argument("--n", type=int, default=10000)
    s.add_argument("--threads", type=int, default=32)
    s.set_defaults(f=cmd_storm)

    s = sub.add_parser("ifmatch")
    s.add_argument("--creds", required=True)
    s.add_argument("--n", type=int, default=50)
    s.add_argument("--rounds", type=int, default=5)
    s.set_defaults(f=cmd_ifmatch)

    s = sub.add_parser("smtp-sink")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--out", required=True)
    s.set_defaults(f=cmd_smtp_sink)

    s = sub.add_parser("escalations")
    s.add_argument("--creds", required=True)
    s.add_argument("--db", required=True)
    s.add_argument("--mails", required=True)
    s.add_argument("--logs", nargs="*", default=[])
    s.add_argument("--cases", type=int, default=10)
    s.add_argument("--waves", type=int, default=3)
    s.add_argument("--pause", type=float, default=2.5)
    s.add_argument("--timeout", type=float, default=60.0)
    s.add_argument("--settle", type=float, default=5.0)
    s.set_defaults(f=cmd_escalations)

    s = sub.add_parser("soak")
    s.add_argument("--creds", required=True)
    s.add_argument("--seconds", type=float, default=600)
    s.add_argument("--rate", type=float, default=100)
    s.add_argument("--clients", type=int, default=16)
    s.add_argument("--pid", type=int, required=True)
    s.add_argument("--cases", type=int, default=20)
    s.add_argument("--warmup", type=float, default=120)
    s.add_argument("--sample", type=float, default=5)
    s.add_argument("--rss-out", required=True)
    s.set_defaults(f=cmd_soak)

    a = p.parse_args()
    sys.exit(a.f(a) or 0)


if __name__ == "__main__":
    main()
