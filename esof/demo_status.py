"""Exit 0 when the database has no users yet (so `make run` loads demo data), else 1."""
import sys

import sqlalchemy as sa

from esof import create_app
from esof.accounts.models import User
from esof.extensions import db


def main() -> int:
    app = create_app()
    with app.app_context():
        has_users = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    return 1 if has_users else 0


if __name__ == "__main__":
    sys.exit(main())
