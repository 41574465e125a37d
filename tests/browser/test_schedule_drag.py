"""Drag and drop in the organisers' schedule editor, with real pointer events in Chromium
(issue 24 item 17): a card dropped on another room's cell moves the session there; the card
then says its place is an unpublished change, and moving a session delegates have booked
asks first."""
from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from esof.accounts.models import Role
from esof.bookings.capacity import book_seat
from esof.extensions import db
from esof.programme.models import ScheduleSlot
from tests.bookings.factories import at, bookable_session, confirmed_delegate, publish
from tests.browser.conftest import log_in, new_page
from tests.browser.harness import LiveServer
from tests.factories import UserFactory
from tests.support import DEMO_PASSWORD
from tests.venues.factories import RoomFactory, VenueFactory

pytestmark = pytest.mark.browser


def slot_of(session_id: int) -> tuple[int, str]:
    db.session.expire_all()
    slot = db.session.scalar(sa.select(ScheduleSlot).where(ScheduleSlot.session_id == session_id))
    return slot.room_id, slot.starts_at.astimezone(at(13, "10:00").tzinfo).strftime("%H:%M")


@pytest.fixture
def booked_programme(app) -> dict[str, Any]:
    venue = VenueFactory(name="Kamerlingh Onnes Gebouw")
    hall = RoomFactory(venue=venue, name="Hall", capacity=80)
    attic = RoomFactory(venue=venue, name="Attic", capacity=80)
    item = bookable_session(title="Quantum walk", room=hall, starts=at(13, "10:00"))
    quiet = bookable_session(title="Quiet reading", room=hall, starts=at(13, "14:00"))
    publish()
    for _ in range(3):
        book_seat(item=item, delegate=confirmed_delegate())
    UserFactory(email="olga@example.org", roles=[Role.ORGANISER])
    db.session.commit()
    return {"booked": item.id, "quiet": quiet.id, "hall": hall.id, "attic": attic.id}


def drop_cell(tab: Any, room_id: int, hhmm: str) -> Any:
    return tab.locator(f'td.drop-cell[data-room-id="{room_id}"][data-time="{hhmm}"]')


def test_dragging_a_card_moves_the_session_and_marks_it_unpublished(
    browser: Any, live: LiveServer, booked_programme: dict[str, Any]
) -> None:
    tab = new_page(browser)
    log_in(tab, live, "olga@example.org", DEMO_PASSWORD)
    tab.goto(live("/programme/organiser/schedule?day=2022-07-13"))
    quiet = booked_programme["quiet"]
    card = tab.locator(f"#card-{quiet}")
    assert card.get_attribute("data-booked") == "0"
    assert card.locator(".unpublished-change").count() == 0

    # The next room, same row: the drop needs no scrolling while the pointer is held.
    card.drag_to(drop_cell(tab, booked_programme["attic"], "14:00"))
    moved = tab.locator(f"#card-{quiet} .unpublished-change")
    moved.wait_for(timeout=20_000)  # the page reloads after a successful move

    assert slot_of(quiet) == (booked_programme["attic"], "14:00")
    assert "Unpublished change" in moved.inner_text()
    assert "13 Jul, 14:00–15:00 CEST in Hall" in moved.inner_text()
    tab.context.close()


def test_moving_a_booked_session_asks_first_and_can_be_called_off(
    browser: Any, live: LiveServer, booked_programme: dict[str, Any]
) -> None:
    tab = new_page(browser)
    log_in(tab, live, "olga@example.org", DEMO_PASSWORD)
    tab.goto(live("/programme/organiser/schedule?day=2022-07-13"))
    booked = booked_programme["booked"]
    card = tab.locator(f"#card-{booked}")
    assert "3 delegates booked" in card.inner_text()
    questions: list[str] = []

    def decline(dialog: Any) -> None:
        questions.append(dialog.message)
        dialog.dismiss()

    tab.once("dialog", decline)
    card.drag_to(drop_cell(tab, booked_programme["attic"], "10:30"))
    tab.wait_for_timeout(300)
    assert questions and "3 delegates have booked “Quantum walk”" in questions[0]
    assert slot_of(booked) == (booked_programme["hall"], "10:00"), "declined: nothing moved"

    tab.once("dialog", lambda dialog: dialog.accept())
    card.drag_to(drop_cell(tab, booked_programme["attic"], "10:30"))
    tab.locator(f"#card-{booked} .unpublished-change").wait_for(timeout=20_000)
    assert slot_of(booked) == (booked_programme["attic"], "10:30")
    tab.context.close()
