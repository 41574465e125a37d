"""A time range names its zone once, after the range: '13 Jul, 10:00–11:00 CEST' (not
'10:00 CEST–11:00', which reads as if the end had no zone), across midnight and across the
two changes of the clocks of 2022."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask
from flask_babel import force_locale

from esof.accounts.models import Role
from esof.extensions import db
from esof.i18n import local_range
from tests.factories import UserFactory
from tests.programme.factories import SessionFactory, SlotFactory
from tests.support import log_in


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(("start", "end", "shown"), [
    (utc(2022, 7, 13, 8, 0), utc(2022, 7, 13, 9, 0), "13 Jul, 10:00–11:00 CEST"),
    (utc(2022, 1, 20, 17, 0), utc(2022, 1, 20, 19, 30), "20 Jan, 18:00–20:30 CET"),
    (utc(2022, 7, 13, 20, 0), utc(2022, 7, 13, 23, 30), "13 Jul, 22:00 – 14 Jul, 01:30 CEST"),
    # 30 October 2022: 03:00 CEST becomes 02:00 CET, so 01:30 CEST to 02:30 CET is two hours.
    (utc(2022, 10, 29, 23, 30), utc(2022, 10, 30, 1, 30), "30 Oct, 01:30 CEST – 30 Oct, 02:30 CET"),
    # 27 March 2022: 02:00 CET becomes 03:00 CEST.
    (utc(2022, 3, 27, 0, 30), utc(2022, 3, 27, 1, 30), "27 Mar, 01:30 CET – 27 Mar, 03:30 CEST"),
    (utc(2022, 7, 13, 8, 0), None, "13 Jul, 10:00 CEST"),
])
def test_a_range_names_its_zone_after_it(app: Flask, start: datetime, end: datetime | None, shown: str) -> None:
    with app.test_request_context(), force_locale("en"):
        assert local_range(start, end) == shown


def test_a_range_in_dutch(app: Flask) -> None:
    with app.test_request_context(), force_locale("nl"):
        assert local_range(utc(2022, 7, 13, 8, 0), utc(2022, 7, 13, 9, 0)) == "13 jul, 10:00–11:00 CEST"


def test_the_organisers_sessions_list_puts_the_zone_after_the_range(app: Flask) -> None:
    slot = SlotFactory(session=SessionFactory(title="Alpha"))
    organiser = UserFactory(roles=[Role.ORGANISER])
    db.session.commit()
    client = app.test_client()
    log_in(client, organiser.email)
    html = client.get("/programme/organiser/sessions").get_data(as_text=True)
    assert local_range(slot.starts_at, slot.ends_at) in html
    assert " CEST–" not in html and " CET–" not in html
