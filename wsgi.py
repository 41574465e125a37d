"""Production entry point: `gunicorn wsgi:app` (settings in gunicorn.conf.py).

Requires SECRET_KEY; everything else comes from environment variables, see docs/DEPLOYMENT.md.
"""
import os

os.environ.setdefault("ESOF_ENV", "production")

from esof import create_app
from esof.ops import production_overrides, trust_proxies

app = trust_proxies(create_app(production_overrides(os.environ)), os.environ)
