"""Partners' pages (issue 24 item 15): the neighbourhood is chosen from the list the calendar's
filter offers, and "My events" says when each event takes place."""
from __future__ import annotations

import re
from datetime import date

from esof.extensions import db
from esof.side_events.neighbourhoods import NEIGHBOURHOODS
from esof.side_events.recurrence import Frequency, Recurrence
from tests.side_events.factories import make_event
from tests.support import log_in


def options(html: str, select_id: str) -> list[str]:
    select = html.split(f'id="{select_id}"', 1)[1].split("</select>", 1)[0]
    return [v for v in re.findall(r'<option[^>]*value="([^"]*)"', select) if v]


def test_the_submit_form_offers_the_filters_neighbourhoods(client, org, editor) -> None:
    db.session.commit()
    log_in(client, editor.email)
    form = client.get("/calendar/submit", headers={"Accept-Language": "en"}).get_data(as_text=True)
    calendar = client.get("/calendar/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert options(form, "neighbourhood") == list(NEIGHBOURHOODS)
    assert options(calendar, "filter-neighbourhood") == list(NEIGHBOURHOODS)


def test_an_older_events_own_neighbourhood_is_kept_when_edited(client, org, editor, organiser) -> None:
    event = make_event(org, editor, approve_by=organiser, neighbourhood="Oude Rijn")
    db.session.commit()
    log_in(client, editor.email)
    form = client.get(f"/calendar/events/{event.id}/edit").get_data(as_text=True)
    assert "Oude Rijn" in options(form, "neighbourhood")
    assert '<option selected value="Oude Rijn">' in form or '<option value="Oude Rijn" selected>' in form
    calendar = client.get("/calendar/").get_data(as_text=True)
    assert options(calendar, "filter-neighbourhood")[-1] == "Oude Rijn"


def test_my_events_say_when(client, org, editor) -> None:
    make_event(org, editor, title_en="Stars over Leiden")
    weekly = Recurrence(frequency=Frequency.WEEKLY, weekdays=(1,), until=date(2022, 8, 2))
    make_event(org, editor, title_en="Tuesday telescopes", start_date=date(2022, 7, 5), end_date=date(2022, 7, 5),
               recurrence=weekly)
    db.session.commit()
    log_in(client, editor.email)
    html = client.get("/calendar/mine", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<td>14 Jul 2022, 10:00–12:00 CEST</td>" in html
    assert "<td>5 Jul 2022, 10:00–12:00 CEST (5 dates in all)</td>" in html
