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
            except Exception as exc:  # noqa: BLE001  (reported to the test, which fails on it)
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
