"""The moderator reviews what the public will see (issue 24 item 14): the description
rendered as on the event page, the dates a repetition gives (the first ten and the count),
and labels instead of codes."""
from __future__ import annotations

from datetime import date

from esof.extensions import db
from esof.side_events.models import Audience, EventCategory
from esof.side_events.recurrence import Frequency, Recurrence
from tests.side_events.factories import make_event
from tests.support import log_in


def review_of(client, organiser, event) -> str:
    db.session.commit()
    log_in(client, organiser.email)
    return client.get(f"/calendar/moderation/{event.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_a_new_event_is_reviewed_as_the_public_will_see_it(client, org, editor, organiser) -> None:
    event = make_event(org, editor, category=EventCategory.FAMILY, audiences=(Audience.CHILDREN,),
                       description_en="A talk about **telescopes** <script>alert(1)</script>.")
    html = review_of(client, organiser, event)
    assert "<strong>telescopes</strong>" in html and "&lt;strong&gt;" not in html
    assert "<script>alert(1)</script>" not in html  # sanitised when saved, so safe to show
    assert "<ins>Dutch</ins>" in html and "<ins>nl</ins>" not in html
    assert "<ins>family</ins>" not in html and "<ins>children</ins>" not in html
    assert "<ins>14 Jul 2022, 10:00–12:00 CEST</ins>" in html


def test_a_weekly_event_lists_its_first_ten_dates_and_the_count(client, org, editor, organiser) -> None:
    weekly = Recurrence(frequency=Frequency.WEEKLY, weekdays=(1, 3), until=date(2022, 9, 30),
                        exdates=(date(2022, 7, 19),))
    event = make_event(org, editor, start_date=date(2022, 7, 5), end_date=date(2022, 7, 5), recurrence=weekly)
    html = review_of(client, organiser, event)
    assert "FREQ=" not in html and "BYDAY" not in html
    dates = html.split("<th scope=\"row\">Dates</th>", 1)[1].split("</tr>", 1)[0]
    # Tuesdays and Thursdays from 5 July to 30 September, 19 July excluded: 25 dates.
    assert "(25 dates in all)" in dates
    assert dates.count("CEST") == 10
    assert "5 Jul 2022, 10:00–12:00 CEST; 7 Jul 2022, 10:00–12:00 CEST; 12 Jul 2022" in dates
    assert "19 Jul 2022" not in dates
