"""Run in separate processes by the PostgreSQL concurrency test: register given users."""
from __future__ import annotations

import threading
from typing import Any


def register_many(database_url: str, user_ids: list[int], category_code: str, start: Any, results: Any) -> None:
    from esof.accounts.models import User
    from esof.extensions import db
    from esof.registration import services
    from tests.conftest import make_app
    from tests.registration.factories import profile

    app = make_app(database_url, SQLALCHEMY_ENGINE_OPTIONS={"pool_size": len(user_ids), "max_overflow": 0})
    barrier = threading.Barrier(len(user_ids))

    def one(user_id: int) -> None:
        with app.app_context():
            barrier.wait()
            start.wait()
            try:
                user = db.session.get(User, user_id)
                registration = services.register_delegate(
                    user=user, category_code=category_code, profile=profile(), consent=True
                )
                db.session.commit()
                results.put((user_id, registration.status.value, None))
            except Exception as exc:  # reported to the test, which fails on it
                db.session.rollback()
                results.put((user_id, None, repr(exc)))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=one, args=(uid,)) for uid in user_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with app.app_context():
        db.engine.dispose()


def one_change(app: Any, work: tuple[Any, ...], organiser_id: int) -> str:
    """One registration, cancellation, promotion or organiser change, in its own app context
    and database session as a request has. Any exception is reported, never raised."""
    from esof.accounts.models import User
    from esof.errors import busy_on_lock_timeout
    from esof.extensions import db
    from esof.registration import services
    from esof.registration.models import Registration, RegistrationCategory
    from tests.registration.factories import profile

    kind, *args = work
    with app.app_context():
        try:
            organiser = db.session.get(User, organiser_id)
            if kind == "register":
                user_id, code = args
                outcome = services.register_delegate(
                    user=db.session.get(User, user_id), category_code=code, profile=profile(), consent=True
                ).status.value
            elif kind == "cancel":
                registration = db.session.get(Registration, args[0])
                promoted = services.cancel_registration(registration=registration, actor=None)
                outcome = f"cancelled, {len(promoted)} promoted"
            elif kind == "promote":
                outcome = f"{len(services.promote_waitlisted())} promoted"
            elif kind == "onsite-cap":
                services.set_onsite_cap(cap=args[0], actor=organiser)
                outcome = "onsite cap changed"
            else:  # "capacity"
                category_id, capacity = args
                services.save_category(
                    actor=organiser, category=db.session.get(RegistrationCategory, category_id), capacity=capacity
                )
                outcome = "capacity changed"
            with busy_on_lock_timeout():
                db.session.commit()
            return outcome
        except Exception as exc:  # reported to the test, which expects none
            db.session.rollback()
            return f"error: {type(exc).__name__}: {exc}"
        finally:
            db.session.remove()


def changes_in_process(
    database_url: str, work: list[tuple[Any, ...]], organiser_id: int, start_at: float
) -> list[str]:
    """A process with its own app on the PostgreSQL database; one thread per change, all
    released at the same moment."""
    import time
    from concurrent.futures import ThreadPoolExecutor

    from esof.extensions import db
    from tests.conftest import make_app

    # The lock limit is generous: this run is about deadlocks (PostgreSQL reports those
    # after a second whatever the limit) and counts, not about how long a queue may wait.
    app = make_app(
        database_url,
        DATABASE_LOCK_TIMEOUT_MS=30000,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": len(work), "max_overflow": 0},
    )
    with app.app_context():  # connect before the start signal
        for connection in [db.engine.connect() for _ in work]:
            connection.close()
    time.sleep(max(0.0, start_at - time.time()))
    with ThreadPoolExecutor(max_workers=len(work)) as pool:
        outcomes = list(pool.map(lambda item: one_change(app, item, organiser_id), work))
    with app.app_context():
        db.engine.dispose()
    return outcomes
