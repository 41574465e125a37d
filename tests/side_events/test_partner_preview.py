"""A partner's preview of a version that is not public yet lists the dates it will have.

The calendar's stored occurrences are the approved version's; the preview expands the waiting
version's own recurrence, in Leiden time, with the function the moderator's review uses
(moderation.revision_dates): the first ten dates and how many in all.
"""
from __future__ import annotations

import re
from datetime import date, time

from flask.testing import FlaskClient

from esof.extensions import db
from esof.side_events import services
from esof.side_events.recurrence import Frequency, Recurrence
from tests.side_events.factories import event_input, make_event
from tests.support import log_in

EN = {"Accept-Language": "en"}


def preview_dates(html: str) -> list[str]:
    block = html[html.index('class="se-dates se-preview-dates"'):]
    block = block[:block.index("</ul>")]
    return [" ".join(re.sub(r"<[^>]+>", "", item).split()) for item in re.findall(r"<li>(.*?)</li>", block, re.S)]


def weekly_change() -> services.EventInput:
    """Tuesdays at 19:00 from 1 March to 28 June 2022: 18 dates, across the change to summer time."""
    return event_input(title_en="Evening lectures", start_date=date(2022, 3, 1), end_date=date(2022, 3, 1),
                       start_time=time(19, 0), end_time=time(20, 30),
                       recurrence=Recurrence(Frequency.WEEKLY, until=date(2022, 6, 28)))


def test_preview_of_a_waiting_change_lists_its_own_dates(client: FlaskClient, org, editor, organiser) -> None:
    event = make_event(org, editor, approve_by=organiser)  # public: one lecture on 14 July
    services.edit_side_event(event=event, data=weekly_change(), author=editor)
    db.session.commit()
    log_in(client, editor.email)

    html = client.get(f"/calendar/events/{event.id}?version=pending", headers=EN).get_data(as_text=True)

    assert "Preview of a version that is not public yet" in html
    assert "Once approved, the event has 18 dates:" in html
    dates = preview_dates(html)
    assert len(dates) == 10
    assert dates[0] == "Tuesday 1 March 2022, 19:00–20:30 Europe/Amsterdam (CET)"
    assert dates[4] == "Tuesday 29 March 2022, 19:00–20:30 Europe/Amsterdam (CEST)"  # the clocks changed on 27 March
    assert dates[9] == "Tuesday 3 May 2022, 19:00–20:30 Europe/Amsterdam (CEST)"
    assert "… and 8 more." in html
    public = client.application.test_client().get(f"/calendar/events/{event.id}", headers=EN).get_data(as_text=True)
    assert "se-preview-dates" not in public and "Thursday 14 July 2022" in public


def test_preview_of_a_new_event_and_the_review_count_the_same_dates(
    client: FlaskClient, org, editor, organiser
) -> None:
    event = services.submit_side_event(organisation=org, data=weekly_change(), author=editor)
    db.session.commit()
    log_in(client, editor.email)
    preview = client.get(f"/calendar/events/{event.id}", headers=EN).get_data(as_text=True)
    assert len(preview_dates(preview)) == 10 and "Once approved, the event has 18 dates:" in preview

    moderator = client.application.test_client()
    log_in(moderator, organiser.email)
    review = moderator.get(f"/calendar/moderation/{event.id}", headers=EN).get_data(as_text=True)
    assert "1 Mar 2022, 19:00–20:30 CET; " in review and "(18 dates in all)" in review
    dates = services.revision_dates(services.pending_revision(event))
    assert (len(dates.listed), dates.total, dates.more) == (10, 18, 8)


def test_preview_in_dutch_lists_dutch_dates(client: FlaskClient, org, editor) -> None:
    event = services.submit_side_event(organisation=org, data=weekly_change(), author=editor)
    db.session.commit()
    log_in(client, editor.email)
    client.get("/language/nl")
    html = client.get(f"/calendar/events/{event.id}").get_data(as_text=True)
    assert "Na goedkeuring heeft de activiteit 18 data:" in html
    assert preview_dates(html)[0] == "dinsdag 1 maart 2022, 19:00–20:30 Europe/Amsterdam (CET)"
    assert "… en nog 8." in html
