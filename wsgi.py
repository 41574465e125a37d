"""Production entry point: gunicorn wsgi:app. Requires SECRET_KEY (see docs/DEPLOYMENT.md)."""
import os

os.environ.setdefault("ESOF_ENV", "production")

from esof import create_app  # noqa: E402

app = create_app()
