"""Feed bench: programme.ics and side-events.ics on the full demo data, through gunicorn.

    .venv/bin/python -m bench.feeds [--requests N] [--workers W]

Measures, in one run: a trivial endpoint (/livez, the baseline), each feed cached and
answered 304 with Redis (our own redis-server, as with several app servers: the change stamp
is one Redis read) and without it (one machine: the stamp is one database query), and
uncached (ESOF_FEED_CACHE=0); plus the in-process render time of each full feed without
cache. Prints a Markdown table.
"""
from __future__ import annotations

import argparse
import statistics
import time

from bench.common import (
    LoadResult,
    app_environment,
    flask,
    fresh_postgres_database,
    get,
    gunicorn,
    hammer,
    markdown_table,
    redis_server,
)


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    with fresh_postgres_database() as database_url, redis_server() as redis_url:
        assert redis_url, "the feed bench needs redis-server"
        env = app_environment(database_url)
        flask(env, "db", "upgrade", "heads")
        flask(env, "demo-data", "--seed", "2022")
        results: list[LoadResult] = []
        sizes = {}
        for label, server_env in (("Redis", app_environment(database_url, REDIS_URL=redis_url)),
                                  ("no Redis", env)):
            with gunicorn(server_env, workers=args.workers) as address:
                for path in ("/feeds/programme.ics", "/feeds/side-events.ics", "/livez"):
                    hammer(address, path, name="warm-up", total=200, concurrency=args.concurrency)
                if label == "Redis":
                    baseline = hammer(address, "/livez", name="trivial endpoint /livez", total=args.requests,
                                      concurrency=args.concurrency)
                for feed in ("programme.ics", "side-events.ics"):
                    status, body, headers = get(address, f"/feeds/{feed}")
                    assert status == 200
                    sizes[feed] = len(body)
                    results.append(hammer(address, f"/feeds/{feed}", name=f"{feed} cached, {label}",
                                          total=args.requests, concurrency=args.concurrency))
                    results.append(hammer(address, f"/feeds/{feed}", name=f"{feed} 304, {label}",
                                          total=args.requests, concurrency=args.concurrency,
                                          headers={"If-None-Match": headers["ETag"]}))
        with gunicorn(app_environment(database_url, ESOF_FEED_CACHE="0"), workers=args.workers) as address:
            for feed in ("programme.ics", "side-events.ics"):
                results.append(hammer(address, f"/feeds/{feed}", name=f"{feed} uncached",
                                      total=max(args.requests // 10, 100), concurrency=args.concurrency))
        renders = render_times(database_url)
    print(f"\nFeed sizes: programme.ics {sizes['programme.ics'] / 1024:.0f} KiB, "
          f"side-events.ics {sizes['side-events.ics'] / 1024:.0f} KiB")
    print("In-process render without cache (median): "
          + ", ".join(f"{name} {ms:.0f} ms" for name, ms in renders.items()))
    print()
    print(markdown_table(results, baseline))


if __name__ == "__main__":
    main()
