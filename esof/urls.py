"""Absolute links for mails, feeds and the API, built on ESOF_BASE_URL (not the request host).

Works without a request too (CLI commands, the mail worker), and keeps a path prefix such as
https://example.org/esof in the base address.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint: str, **values: Any) -> str:
    base = urlsplit(current_app.config["ESOF_BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path.rstrip("/") or "/", url_scheme=base.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)
