"""Forms of the bookings area: buttons that carry only a CSRF token (and where to go back)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField


class SeatActionForm(FlaskForm):
    """Book, cancel, leave the waiting list: a button with a CSRF token."""

    class Meta:
        # CSRFProtect has already checked the token of every POST before the view runs;
        # checking it again here would only cost time in the busiest view of a rush.
        csrf = False

    back = HiddenField()


class StarForm(FlaskForm):
    """Star (starred=1) or unstar (starred=0) a session."""

    starred = HiddenField(default="1")
    back = HiddenField()
