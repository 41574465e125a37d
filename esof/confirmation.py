"""A second step before anything is deleted.

A delete button posts to its route as before; without `confirmed=yes` the route answers
with a page that says what will happen (what goes with it, what stops it) and a danger
button that posts again with the confirmation. Nothing is deleted by one stray click, and
the routes (part of the URL contract) stay as they are.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import render_template, request
from flask.typing import ResponseReturnValue

CONFIRM_FIELD = "confirmed"


def is_confirmed() -> bool:
    return request.form.get(CONFIRM_FIELD) == "yes"


def confirmation_page(
    *, heading: Any, consequences: Sequence[Any], button: Any, cancel_url: str, blocked: Any = None
) -> ResponseReturnValue:
    """The page that asks; `blocked` says why it cannot be done yet (no button then)."""
    return render_template(
        "confirm.html", heading=heading, consequences=consequences, button=button, cancel_url=cancel_url,
        blocked=blocked, action=request.path, confirm_field=CONFIRM_FIELD,
    )
