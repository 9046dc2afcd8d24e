#!/usr/bin/env python3
"""A trickle of writes: files a signal as demo.mobile every INTERVAL seconds until STOP_FILE
exists, and logs `<unix time when acknowledged> <status> <signal id>` for each to LOG.

usage: trickle.py BASE_URL CREDENTIALS_FILE LOG STOP_FILE [INTERVAL]
"""

import datetime
import os
import sys
import time

from seed import Client


def main():
    base, credentials_file, log_path, stop_file = sys.argv[1:5]
    interval = float(sys.argv[5]) if len(sys.argv) > 5 else 0.05
    credentials = dict(line.split()[:2] for line in open(credentials_file, encoding="utf-8") if line.strip())
    mobile = Client(base, "demo.mobile", credentials["demo.mobile"])
    n = 0
    with open(log_path, "w", encoding="utf-8") as log:
        while not os.path.exists(stop_file):
            now = datetime.datetime.now(datetime.timezone.utc)
            body = {
                "source": "mobile_group",
                "concerns": ["neglect"],
                "description": f"Trickle signal {n}.",
                "observed_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "region_code": "KZ-71",
                "district_code": "KZ-71-01",
                "child": {"last_name": "Trickle", "first_name": f"Child{n}", "birth_date": "2016-06-01"},
            }
            status, answer = mobile.call("POST", "/api/v1/signals", body)
            if status == 401:
                mobile = Client(base, "demo.mobile", credentials["demo.mobile"])
                continue
            ident = answer.get("id", "-") if isinstance(answer, dict) else "-"
            log.write(f"{time.time():.6f} {status} {ident}\n")
            log.flush()
            n += 1
            time.sleep(interval)


if __name__ == "__main__":
    main()
