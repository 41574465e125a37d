"""The month page: events longer than a week folded once above the days, short multi-day
events on each of their days, and every day of the month marked for the phone's day list."""
from __future__ import annotations

import re
from datetime import date, time

from flask.testing import FlaskClient

from esof.extensions import db
from tests.side_events.factories import make_event

EN = {"Accept-Language": "en"}


def month(client: FlaskClient, url: str = "/calendar/month/2022-07") -> str:
    response = client.get(url, headers=EN)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def day_cell(html: str, day: str) -> str:
    found = re.search(rf'<td class="[^"]*" data-day="{day}">(.*?)</td>', html, re.S)
    assert found, day
    return found.group(1)


def test_long_running_events_are_listed_once_folded_and_short_ones_on_each_day(client: FlaskClient, org, editor,
                                                                                organiser) -> None:
    make_event(org, editor, approve_by=organiser, title_en="Expo", all_day=True, start_time=None, end_time=None,
               start_date=date(2022, 6, 1), end_date=date(2022, 9, 30))
    make_event(org, editor, approve_by=organiser, title_en="Eight days", all_day=True, start_time=None,
               end_time=None, start_date=date(2022, 7, 1), end_date=date(2022, 7, 8))
    make_event(org, editor, approve_by=organiser, title_en="Weekend camp", start_date=date(2022, 7, 30),
               end_date=date(2022, 8, 1), start_time=time(10), end_time=time(16))
    make_event(org, editor, approve_by=organiser, title_en="Talk")
    db.session.commit()
    html = month(client)
    folded = re.search(r'<details class="se-running">(.*?)</details>', html, re.S)
    assert folded and "<summary>Running this month (2)</summary>" in folded.group(1)
    assert "Expo" in folded.group(1) and "Eight days" in folded.group(1) and "Weekend camp" not in folded.group(1)
    grid = html.split("Day by day")[1]
    assert "Expo" not in grid and "Eight days" not in grid
    assert "10:00 Weekend camp" in day_cell(html, "2022-07-30")
    assert re.search(r">Weekend camp</a> <span class=\"hint\">\(continued\)</span>", day_cell(html, "2022-07-31"))
    assert "10:00 Talk" in day_cell(html, "2022-07-14")
    assert 'class="se-empty"' in html.split('data-day="2022-07-02"')[0].rsplit("<td", 1)[1]
    assert len(re.findall(r'data-day="2022-07-\d\d"', html)) == 31  # June and August cells are not days of July
    assert "Weekend camp" in day_cell(month(client, "/calendar/month/2022-08"), "2022-08-01")


def test_a_month_without_single_day_events_says_so(client: FlaskClient) -> None:
    assert "No events on single days this month." in month(client, "/calendar/month/2022-02")
