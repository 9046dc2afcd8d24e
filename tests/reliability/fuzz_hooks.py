"""Schemathesis hooks for tests/reliability/fuzz.sh.

- Authentication: logs in as FUZZ_USERNAME / FUZZ_PASSWORD against FUZZ_BASE_URL and sends the
  access token; a 401 (the fuzzer called /auth/logout, or the token expired) logs in again.
- Known ids: half of the generated path ids are swapped for ids of records that exist (read from
  the JSON file FUZZ_IDS_FILE, keyed by the path segment before the id), so that the fuzzer gets
  past "404 no such record" into the handlers.
"""

import base64
import hashlib
import json
import os
import re
import urllib.request
import uuid

import schemathesis

BASE_URL = os.environ["FUZZ_BASE_URL"]
USERNAME = os.environ["FUZZ_USERNAME"]
PASSWORD = os.environ["FUZZ_PASSWORD"]

with open(os.environ["FUZZ_IDS_FILE"], encoding="utf-8") as f:
    KNOWN_IDS = json.load(f)


def login():
    body = json.dumps({"username": USERNAME, "password": PASSWORD}).encode()
    request = urllib.request.Request(
        f"{BASE_URL}/api/v1/auth/login",
        data=body,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["access_token"]


@schemathesis.auth(refresh_interval=600, retry_on=[401])
class QorgauAuth:
    def get(self, case, context):
        return login()

    def set(self, case, data, context):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"


def _segment_before(path, name):
    parts = path.strip("/").split("/")
    marker = "{" + name + "}"
    if marker in parts:
        index = parts.index(marker)
        if index > 0:
            return parts[index - 1]
    return None


@schemathesis.hook
def map_path_parameters(context, path_parameters):
    if not path_parameters or context.operation is None:
        return path_parameters
    path = context.operation.path
    for name, value in list(path_parameters.items()):
        kind = _segment_before(path, name)
        if name == "measure_id":
            kind = "measures"
        pool = KNOWN_IDS.get(kind or "", [])
        if not pool:
            continue
        # Deterministic in the drawn value, as Hypothesis needs: keep half of the draws.
        digest = sum(str(value).encode())
        if digest % 2 == 0:
            path_parameters[name] = pool[digest // 2 % len(pool)]
    return path_parameters


@schemathesis.hook
def map_query(context, query):
    # A list's `cursor` is opaque: one the list did not hand out is refused (422), and no schema
    # can say which strings a list hands out. The generated value is made into a cursor of the
    # list's own form (an id, base64url), so that the fuzzer pages instead of being refused.
    # Only a value the schema allows: an invalid one (negative testing) must stay invalid.
    cursor = query.get("cursor") if query else None
    if isinstance(cursor, str) and re.fullmatch(r"[A-Za-z0-9_-]*", cursor):
        seed = str(query["cursor"]).encode()
        token = uuid.UUID(bytes=hashlib.md5(seed).digest())
        query["cursor"] = base64.urlsafe_b64encode(str(token).encode()).decode().rstrip("=")
    return query
