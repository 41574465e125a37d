"""Run in separate processes by the PostgreSQL concurrency test: scan given tickets at once."""
from __future__ import annotations

import threading
from typing import Any


def scan_many(database_url: str, staff_id: int, jobs: list[tuple[str, str, str]], start: Any, results: Any) -> None:
    """jobs: (token, door key, direction); one thread each, all released together."""
    from esof.accounts.models import User
    from esof.checkin import services
    from esof.extensions import db
    from tests.conftest import make_app

    app = make_app(database_url, SQLALCHEMY_ENGINE_OPTIONS={"pool_size": len(jobs), "max_overflow": 0})
    barrier = threading.Barrier(len(jobs))

    def one(token: str, door_key: str, direction: str) -> None:
        with app.app_context():
            barrier.wait()
            start.wait()
            try:
                result = services.record_scan(
                    door=services.find_door(door_key), direction=services.parse_direction(direction),
                    staff=db.session.get(User, staff_id), token=token,
                )
                db.session.commit()
                results.put((door_key, direction, result.counted, None))
            except Exception as exc:  # reported to the test, which fails on it
                db.session.rollback()
                results.put((door_key, direction, None, repr(exc)))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=one, args=job) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with app.app_context():
        db.engine.dispose()
