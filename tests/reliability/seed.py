#!/usr/bin/env python3
"""Seeds a running Qorgau server (loaded with `qorgau demo`) with a little case work through the
API, and writes the ids of what exists as JSON, keyed by the path segment that precedes an id
in the API's paths (`cases`, `signals`, `children`, ...). Used by fuzz.sh and backup_restore.sh.

usage: seed.py BASE_URL CREDENTIALS_FILE IDS_OUT [SIGNALS]

CREDENTIALS_FILE holds `username password` lines (the demo users and admin).
"""

import datetime
import json
import sys
import urllib.error
import urllib.request


class Client:
    def __init__(self, base, username, password):
        self.base = base
        self.token = None
        status, body = self.call("POST", "/api/v1/auth/login", {"username": username, "password": password})
        if status != 200:
            raise SystemExit(f"login {username}: {status} {body}")
        self.token = body["access_token"]

    def call(self, method, path, body=None, headers=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                text = response.read()
                return response.status, json.loads(text) if text else None
        except urllib.error.HTTPError as e:
            text = e.read()
            try:
                return e.code, json.loads(text)
            except ValueError:
                return e.code, text.decode(errors="replace")


def ok(what, status, body, expected=(200, 201)):
    if status not in expected:
        print(f"seed: {what}: {status} {body}", file=sys.stderr)
        return False
    return True


def main():
    base, credentials_file, out = sys.argv[1:4]
    signal_count = int(sys.argv[4]) if len(sys.argv) > 4 else 6
    credentials = dict(line.split()[:2] for line in open(credentials_file, encoding="utf-8") if line.strip())
    mobile = Client(base, "demo.mobile", credentials["demo.mobile"])
    intake = Client(base, "demo.intake", credentials["demo.intake"])
    manager = Client(base, "demo.case.manager", credentials["demo.case.manager"])
    admin = Client(base, "admin", credentials["admin"])
    now = datetime.datetime.now(datetime.timezone.utc)
    ids = {key: [] for key in ("cases", "signals", "children", "users", "organisations",
                               "measures", "referrals", "consents", "placements",
                               "commission-matters", "commission-measures")}
    ids["regions"] = ["KZ-71", "KZ-75"]

    _, me = manager.call("GET", "/api/v1/me")
    manager_id = me["id"]
    for n in range(signal_count):
        body = {
            "source": "mobile_group",
            "external_ref": f"seed-{n}",
            "concerns": ["neglect"] if n % 2 else ["violence_physical", "neglect"],
            "urgency": "high",
            "description": f"Seeded signal {n}: neighbours report a child left alone.",
            "observed_at": (now - datetime.timedelta(hours=n + 1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region_code": "KZ-71",
            "district_code": "KZ-71-01",
            "child": {"last_name": "Seedova", "first_name": f"Aigerim{n}", "birth_date": f"201{n % 10}-03-0{n % 9 + 1}",
                      "sex": "female"},
            "reporter": {"name": "Neighbour", "phone": "+7 701 000 00 00", "relation": "neighbour", "anonymous": False},
        }
        status, signal = mobile.call("POST", "/api/v1/signals", body)
        if not ok("signal", status, signal):
            continue
        ids["signals"].append(signal["id"])
        if signal.get("child_id"):
            ids["children"].append(signal["child_id"])
        if n % 3 == 2:
            continue
        status, triaged = intake.call("POST", f"/api/v1/signals/{signal['id']}/triage",
                                      {"decision": "open_case", "risk_level": "medium", "assignee_id": manager_id})
        if ok("triage", status, triaged) and triaged.get("case_id"):
            ids["cases"].append(triaged["case_id"])

    status, orgs = admin.call("GET", "/api/v1/organisations?limit=500")
    if ok("organisations", status, orgs):
        ids["organisations"] = [o["id"] for o in orgs["items"]]
    psych = next((o["id"] for o in orgs["items"] if o["kind"] == "psychological_support_centre"), None)
    status, users = admin.call("GET", "/api/v1/users?limit=500")
    if ok("users", status, users):
        ids["users"] = [u["id"] for u in users["items"]]

    occurred = (now - datetime.timedelta(hours=1)).isoformat()
    for case in ids["cases"][:2]:
        manager.call("POST", f"/api/v1/cases/{case}/interventions",
                     {"kind": "home_visit", "assistance_type": "social", "occurred_at": occurred,
                      "summary": "Seeded home visit.", "child_seen": True, "duration_minutes": 30})
        status, consent = manager.call("POST", f"/api/v1/cases/{case}/consents",
                                       {"given_by_name": "Mother", "relation": "mother", "services": True,
                                        "share_with": ["psychological_support_centre"], "given_at": occurred})
        if ok("consent", status, consent):
            ids["consents"].append(consent["id"])
        if psych:
            status, referral = manager.call("POST", f"/api/v1/cases/{case}/referrals",
                                            {"to_organisation_id": psych, "service": "psychological",
                                             "reason": "Seeded referral for counselling."})
            if ok("referral", status, referral):
                ids["referrals"].append(referral["id"])
        status, placement = manager.call("POST", f"/api/v1/cases/{case}/placements",
                                         {"type": "temporary_shelter", "started_on": now.date().isoformat()})
        if ok("placement", status, placement):
            ids["placements"].append(placement["id"])
        status, moved = manager.call("POST", f"/api/v1/cases/{case}/transitions", {"to": "assessment"})
        ok("transition", status, moved)
        status, assessed = manager.call("POST", f"/api/v1/cases/{case}/assessments",
                                        {"kind": "initial", "summary": "Seeded initial assessment."})
        ok("assessment", status, assessed)
        status, assessed = manager.call("POST", f"/api/v1/cases/{case}/assessments",
                                        {"kind": "comprehensive", "summary": "Seeded comprehensive assessment.",
                                         "domains": [{"domain": d, "level": "medium", "note": "observed"}
                                                     for d in ("safety", "health", "education", "family",
                                                               "psycho_emotional", "legal", "material")]})
        ok("assessment", status, assessed)
        # The comprehensive assessment may have moved the case to planning already (409).
        status, moved = manager.call("POST", f"/api/v1/cases/{case}/transitions", {"to": "planning"})
        ok("transition", status, moved, (200, 409))
        goals = [{"title": "Safe at home", "measures": [
            {"kind": "social", "description": "Weekly visits", "responsible_organisation_id": ids["organisations"][0],
             "due_date": (now + datetime.timedelta(days=30)).date().isoformat()}]}]
        # The case's first plan: `If-None-Match: *` (a later version sends the plan's ETag in If-Match).
        status, plan = manager.call("PUT", f"/api/v1/cases/{case}/plan", {"goals": goals},
                                    {"If-None-Match": "*"})
        if ok("plan", status, plan):
            for goal in plan.get("goals", []):
                ids["measures"] += [m["id"] for m in goal.get("measures", [])]

    with open(out, "w", encoding="utf-8") as f:
        json.dump(ids, f, indent=1)
    print("seeded: " + ", ".join(f"{k} {len(v)}" for k, v in ids.items()))


if __name__ == "__main__":
    main()
