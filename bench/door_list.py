"""Door list bench: what a door scanner downloads before it goes offline, for N delegates.

    .venv/bin/python -m bench.door_list [--delegates 5000] [--runs 20]

1. creates a fresh PostgreSQL database (dropped at the end), migrates it and loads the demo data
   (`flask demo-data --seed 2022 --delegates N`);
2. serves it with gunicorn (one worker, as one door phone sees it) and logs in as the demo's
   check-in staff (checkin@example.org);
3. downloads /checkin/door-list.json `runs` times and prints a Markdown table: tickets in the
   list, body size (raw and gzip, as a proxy in front would send it), and the download time
   (median, p95, max), with the median of the trivial /livez in the same run as the baseline
   (the machines are noisy: compare the ratio). The exit status is 1 if the median is 1 s or
   more or the list is empty.

Only 127.0.0.1 is contacted; every process is stopped by its pid.
"""
from __future__ import annotations

import argparse
import gzip
import re
import statistics
import sys
import time

import requests

from bench.common import app_environment, flask, fresh_postgres_database, gunicorn

STAFF_EMAIL = "checkin@example.org"
PASSWORD = "esof2022-demo"


def log_in(base: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/account/login", timeout=30).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token, "no CSRF token on the login page"
    answer = session.post(f"{base}/account/login", timeout=30, allow_redirects=False,
                          data={"csrf_token": token.group(1), "email": STAFF_EMAIL, "password": PASSWORD})
    assert answer.status_code in (302, 303), f"log-in refused: {answer.status_code}"
    return session


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--delegates", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with fresh_postgres_database("esof_bench_door") as url:
        env = app_environment(url)
        flask(env, "db", "upgrade", "heads")
        flask(env, "demo-data", "--seed", "2022", "--delegates", str(args.delegates))
        with gunicorn(env, workers=1) as address:
            base = f"http://{address}"
            session = log_in(base)
            seconds, body = [], b""
            for _ in range(args.runs + 1):
                started = time.perf_counter()
                response = session.get(f"{base}/checkin/door-list.json", timeout=30)
                elapsed = time.perf_counter() - started
                assert response.status_code == 200, response.status_code
                body = response.content
                seconds.append(elapsed)
            seconds = seconds[1:]  # the first request warms the worker
            tickets = len(response.json()["tickets"])
            baseline = []
            for _ in range(args.runs):
                started = time.perf_counter()
                assert session.get(f"{base}/livez", timeout=30).status_code == 200
                baseline.append(time.perf_counter() - started)
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    median = statistics.median(seconds)
    livez = statistics.median(baseline)
    print("| delegates | tickets in list | size | gzip | median | p95 | max | /livez median | median ÷ /livez |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| {args.delegates} | {tickets} | {len(body) / 1024:.0f} KiB | {len(gzip.compress(body)) / 1024:.0f} KiB "
          f"| {median * 1000:.0f} ms | {p95 * 1000:.0f} ms | {max(seconds) * 1000:.0f} ms "
          f"| {livez * 1000:.1f} ms | {median / livez:.0f}× |")
    sys.exit(0 if tickets and median < 1 else 1)


if __name__ == "__main__":
    main()
