"""Code that runs in other threads and processes in the concurrency tests (importable by
multiprocessing's spawn start method, which imports the function by module name)."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from flask import Flask

from esof.accounts.models import User
from esof.errors import busy_on_lock_timeout
from esof.extensions import db
from esof.programme.models import ProgrammeSession


def book_once(app: Flask, session_id: int, user_id: int, action: str = "book") -> str:
    """One booking (or cancelling) attempt in its own app context and database session, as a
    request has."""
    from esof.bookings import services

    with app.app_context():
        try:
            item = db.session.get(ProgrammeSession, session_id)
            user = db.session.get(User, user_id)
            if action == "cancel":
                services.cancel_booking(item=item, delegate=user)
                outcome = "cancelled"
            else:
                outcome = str(services.book_seat(item=item, delegate=user).outcome)
            with busy_on_lock_timeout():
                db.session.commit()
            return outcome
        except Exception as exc:  # reported to the test, which expects none
            db.session.rollback()
            return f"error: {type(exc).__name__}: {exc}"


def book_in_process(database_url: str, session_id: int, user_ids: list[int], start_at: float,
                    cancelling: frozenset[int] = frozenset()) -> list[str]:
    """A process with its own app on the PostgreSQL database; one thread per delegate, all
    released at the same moment. The delegates in `cancelling` cancel instead of booking."""
    from tests.conftest import make_app

    app = make_app(database_url, SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 10, "max_overflow": 0, "pool_timeout": 60})
    with app.app_context():  # connect before the start signal
        db.session.execute(db.select(User.id).limit(1))
        db.session.remove()
    time.sleep(max(0.0, start_at - time.time()))
    with ThreadPoolExecutor(max_workers=len(user_ids)) as pool:
        outcomes = list(pool.map(
            lambda uid: book_once(app, session_id, uid, "cancel" if uid in cancelling else "book"), user_ids))
    with app.app_context():
        db.engine.dispose()
    return outcomes


def run_threads(app: Flask, session_id: int, user_ids: list[int]) -> list[str]:
    import threading

    barrier = threading.Barrier(len(user_ids))
    outcomes: list[Any] = [None] * len(user_ids)

    def attempt(index: int, user_id: int) -> None:
        barrier.wait()
        outcomes[index] = book_once(app, session_id, user_id)

    threads = [threading.Thread(target=attempt, args=(i, uid)) for i, uid in enumerate(user_ids)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes
