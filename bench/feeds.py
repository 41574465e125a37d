"""Feed bench: programme.ics and side-events.ics on the full demo data, through gunicorn.

    .venv/bin/python -m bench.feeds [--requests N] [--rounds R] [--workers W]

Measures, in one run: a trivial endpoint (/livez, the baseline), each feed cached (plain,
and gzip as calendar servers ask for it) and answered 304, with Redis (our own
redis-server, as with several app servers: the change token is one Redis read) and without
it (one machine: the token is a small file in instance/feed-stamps/); each feed uncached
(ESOF_FEED_CACHE=0);
and the in-process render time of each full feed without cache. Prints a Markdown table.
"""
from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass

from bench.common import (
    LoadResult,
    app_environment,
    flask,
    fresh_postgres_database,
    get,
    gunicorn,
    hammer,
    redis_server,
)


@dataclass
class Measured:
    name: str
    rate: float  # median requests/s over the rounds
    ratio: float  # median over the rounds of rate / baseline rate of the same round
    p50: float
    p99: float
    statuses: str

    @classmethod
    def of(cls, name: str, pairs: list[tuple[LoadResult, LoadResult]]) -> Measured:
        every = LoadResult(name=name, requests=0, seconds=0.0)
        for result, _baseline in pairs:
            every.latencies += result.latencies
            every.statuses.update(result.statuses)
        return cls(name, statistics.median(r.rate for r, _b in pairs),
                   statistics.median(r.rate / b.rate for r, b in pairs), every.p50, every.percentile(99),
                   ", ".join(f"{k}×{v}" for k, v in sorted(every.statuses.items(), key=str)))

    @staticmethod
    def table(rows: list[Measured]) -> str:
        lines = ["| scenario | requests/s | ratio to /livez | p50 ms | p99 ms | statuses |",
                 "| --- | ---: | ---: | ---: | ---: | --- |"]
        lines += [f"| {m.name} | {m.rate:.0f} | {m.ratio:.2f} | {m.p50:.1f} | {m.p99:.1f} | {m.statuses} |"
                  for m in rows]
        return "\n".join(lines)


def render_times(database_url: str, repeats: int = 15) -> dict[str, float]:
    """Median milliseconds to render each full feed in process, cache off."""
    import os

    os.environ.update(app_environment(database_url, ESOF_FEED_CACHE="0"))
    from esof import create_app
    from esof.feeds import services, side_events
    from esof.side_events.queries import CalendarFilter

    app = create_app()
    timings: dict[str, float] = {}
    with app.test_request_context("/feeds/programme.ics"):
        for name, render in (
            ("programme.ics", lambda: services.programme_feed(services.parse_programme_filters({}), language="en")),
            ("side-events.ics", lambda: side_events.side_events_feed(CalendarFilter(), language="en")),
        ):
            samples = []
            for _ in range(repeats):
                started = time.perf_counter()
                render()
                samples.append(time.perf_counter() - started)
            timings[name] = statistics.median(samples) * 1000
    return timings


def scenarios(address: str, sizes: dict[str, int]) -> list[tuple[str, str, dict[str, str]]]:
    """(name, path, headers) of every cached scenario; records the feeds' sizes."""
    found = []
    for feed in ("programme.ics", "side-events.ics"):
        path = f"/feeds/{feed}"
        status, body, headers = get(address, path)
        assert status == 200
        _status, packed, packed_headers = get(address, path, {"Accept-Encoding": "gzip"})
        sizes[feed], sizes[f"{feed} gzip"] = len(body), len(packed)
        found += [
            (f"{feed} cached", path, {}),
            (f"{feed} cached, gzip", path, {"Accept-Encoding": "gzip"}),
            (f"{feed} 304", path, {"If-None-Match": headers["ETag"]}),
        ]
    return found


def rounds_against_baseline(address: str, label: str, sizes: dict[str, int], args: argparse.Namespace
                            ) -> list[Measured]:
    """Each round measures the baseline and then every scenario, so that a slow patch of the
    machine hits both; the ratio of a scenario is the median of its per-round ratios."""
    for path in ("/feeds/programme.ics", "/feeds/side-events.ics", "/livez"):
        hammer(address, path, name="warm-up", total=300, concurrency=args.concurrency)
    planned = scenarios(address, sizes)
    runs: dict[str, list[tuple[LoadResult, LoadResult]]] = {"trivial endpoint /livez": []}
    for _round in range(args.rounds):
        baseline = hammer(address, "/livez", name="trivial endpoint /livez", total=args.requests,
                          concurrency=args.concurrency)
        runs["trivial endpoint /livez"].append((baseline, baseline))
        for name, path, headers in planned:
            result = hammer(address, path, name=name, total=args.requests, concurrency=args.concurrency,
                            headers=headers)
            runs.setdefault(name, []).append((result, baseline))
    return [Measured.of(f"{name}, {label}" if "livez" not in name else name, pairs) for name, pairs in runs.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    sizes: dict[str, int] = {}
    with fresh_postgres_database() as database_url, redis_server() as redis_url:
        assert redis_url, "the feed bench needs redis-server"
        env = app_environment(database_url)
        flask(env, "db", "upgrade", "heads")
        flask(env, "demo-data", "--seed", "2022")
        measured: list[Measured] = []
        for label, server_env in (("Redis", app_environment(database_url, REDIS_URL=redis_url)),
                                  ("no Redis", env)):
            with gunicorn(server_env, workers=args.workers) as address:
                found = rounds_against_baseline(address, label, sizes, args)
                measured += found if label == "Redis" else found[1:]  # one baseline row is enough
        with gunicorn(app_environment(database_url, ESOF_FEED_CACHE="0"), workers=args.workers) as address:
            baseline = hammer(address, "/livez", name="livez", total=args.requests, concurrency=args.concurrency)
            for feed in ("programme.ics", "side-events.ics"):
                result = hammer(address, f"/feeds/{feed}", name=f"{feed} uncached",
                                total=max(args.requests // 10, 100), concurrency=args.concurrency)
                measured.append(Measured.of(result.name, [(result, baseline)]))
        renders = render_times(database_url)
    print("\nFeed sizes: " + ", ".join(f"{name} {size / 1024:.0f} KiB" for name, size in sizes.items()))
    print("In-process render without cache (median): "
          + ", ".join(f"{name} {ms:.0f} ms" for name, ms in renders.items()))
    print(f"\n{args.rounds} rounds of {args.requests} requests per scenario, {args.concurrency} client connections; "
          "ratio = median over rounds of (scenario rate / /livez rate in the same round)\n")
    print(Measured.table(measured))


if __name__ == "__main__":
    main()
