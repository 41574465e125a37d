"""Door staff on a phone (375 px), in Chromium: a duplicate scan's STOP panel is in view right
under the code field without scrolling, with JavaScript and without; an unpaid delegate is
stopped from the offline door list in the server's words; the check-in and occupancy pages have
no serious or critical axe violations."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from esof.checkin import services
from esof.extensions import db
from esof.registration.tickets import ticket_code
from tests.browser.conftest import log_in
from tests.browser.harness import (
    DESKTOP,
    LIVE_CONFIG,
    PHONE,
    LiveServer,
    blocking,
    describe_violations,
    page_overflow,
    run_axe,
)
from tests.checkin.factories import delegate, room_door, staff
from tests.support import DEMO_PASSWORD
from tests.venues.factories import RoomFactory

pytestmark = pytest.mark.browser

IN_VIEW = """([selector]) => {
    const box = document.querySelector(selector).getBoundingClientRect();
    return {top: box.top, bottom: box.bottom, height: window.innerHeight, scrollY: window.scrollY,
            width: box.width, page: document.documentElement.clientWidth};
}"""


@pytest.fixture
def app_config() -> dict[str, Any]:
    now = datetime.now(UTC)
    return {**LIVE_CONFIG, "CHECKIN_SCAN_WINDOW": (now - timedelta(days=1), now + timedelta(days=1))}


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    contexts: list[Any] = []

    def open_phone(*, javascript: bool = True) -> Any:
        context = browser.new_context(viewport=PHONE, locale="en-GB", java_script_enabled=javascript)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_phone
    for context in contexts:
        context.close()


def where(page: Any, selector: str) -> dict[str, float]:
    return page.evaluate(IN_VIEW, [selector])


def assert_in_view(page: Any, selector: str) -> dict[str, float]:
    box = where(page, selector)
    assert box["top"] >= 0 and box["bottom"] <= box["height"], (selector, box)
    return box


def test_duplicate_scan_stop_panel_is_in_view_under_the_code_field_at_375_px(phone, live: LiveServer) -> None:
    jane = delegate(first_name="Jane", last_name="Doe")
    door_staff = staff()
    _room, door = room_door(capacity=30)
    db.session.commit()
    page = phone()
    log_in(page, live, door_staff.email, DEMO_PASSWORD)
    page.goto(live(f"/checkin/?door={door.key}&direction=in"))
    page.wait_for_selector("#offline[data-ready='yes']")
    code = page.locator("input[name=code]")
    code.fill(ticket_code(jane))
    code.press("Enter")
    answer = page.locator("#scan-result")
    page.locator("#scan-result[data-tone='go']").wait_for()
    assert "GO — let in" in answer.inner_text() and "Jane Doe" in answer.inner_text()

    before = where(page, "input[name=code]")
    code.fill(ticket_code(jane))
    code.press("Enter")
    page.locator("#scan-result[data-kind='duplicate']").wait_for()
    text = answer.inner_text()
    assert "STOP — already inside since" in text and "Not counted" in text
    assert answer.get_attribute("role") == "alert"
    # The answer is right under the field, both on screen, and the page did not have to move.
    panel, field = assert_in_view(page, "#scan-result"), assert_in_view(page, "input[name=code]")
    assert panel["scrollY"] == before["scrollY"] == 0, (before, panel)
    assert 0 <= panel["top"] - where(page, "#scan-form")["bottom"] < 40, panel
    assert panel["width"] >= panel["page"] - 48  # full width of the content column
    colours = answer.evaluate("node => [getComputedStyle(node).backgroundColor, getComputedStyle(node).color]")
    assert colours == ["rgb(143, 29, 23)", "rgb(255, 255, 255)"], colours
    print(f"375 px: code field top {field['top']:.0f}, stop panel {panel['top']:.0f}-{panel['bottom']:.0f} "
          f"of {panel['height']} px, scrollY {panel['scrollY']}")
    violations = blocking(run_axe(page))
    assert violations == [], describe_violations("check-in page with a stop panel", violations)
    overflow = page_overflow(page)
    assert overflow["scrollWidth"] <= overflow["clientWidth"], overflow
    assert services.door_present(door) == 1


def test_without_javascript_the_redirect_lands_on_the_answer(phone, live: LiveServer) -> None:
    jane = delegate(first_name="Jane", last_name="Doe")
    door_staff = staff()
    _room, door = room_door()
    db.session.commit()
    page = phone(javascript=False)
    log_in(page, live, door_staff.email, DEMO_PASSWORD)
    page.goto(live(f"/checkin/?door={door.key}&direction=in"))
    for _ in range(2):
        page.locator("input[name=code]").fill(ticket_code(jane))
        page.get_by_role("button", name="Record scan").click()
        page.wait_for_load_state()
    assert page.url.endswith("#scan-form")
    assert "STOP — already inside since" in page.locator("#scan-result").inner_text()
    assert_in_view(page, "#scan-result")
    assert_in_view(page, "input[name=code]")


def test_offline_door_list_stops_an_unpaid_delegate_in_the_same_words(phone, live: LiveServer) -> None:
    una = delegate(paid=False, first_name="Una", last_name="Paid")
    door_staff = staff()
    _room, door = room_door()
    db.session.commit()
    page = phone()
    log_in(page, live, door_staff.email, DEMO_PASSWORD)
    page.goto(live(f"/checkin/?door={door.key}&direction=in"))
    page.wait_for_selector("#offline[data-ready='yes'][data-kept='yes']")
    page.locator("#connection-status", has_text="Door list").wait_for()
    page.context.set_offline(True)
    page.reload()
    page.wait_for_selector("#offline[data-ready='yes']")
    page.locator("input[name=code]").fill(ticket_code(una))
    page.locator("input[name=code]").press("Enter")
    page.wait_for_selector("#scan-result[data-answer-ms]")
    answer = page.locator("#scan-result")
    assert "STOP — not paid: send to the registration desk" in answer.inner_text()
    assert "Una P." in answer.inner_text() and answer.get_attribute("data-tone") == "stop"
    assert_in_view(page, "#scan-result")
    page.wait_for_selector("#offline[data-queue='1']")
    # Back online: the server agrees (recorded, not counted), so nothing is flagged.
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_selector("#offline[data-queue='0']")
    assert page.locator("#sync-flags").is_hidden()
    db.session.expire_all()
    assert services.door_present(door) == 0


def test_occupancy_page_fullest_first_with_its_rule_and_no_axe_violations(phone, live: LiveServer) -> None:
    room, door = room_door(capacity=2, name="Klein")
    RoomFactory(venue=room.venue, name="Groot", capacity=200)
    people = [delegate() for _ in range(2)]
    door_staff = staff()
    db.session.commit()
    for person in people:
        services.record_scan(door=door, direction=services.parse_direction("in"), staff=door_staff,
                             registration_id=person.id)
    db.session.commit()
    page = phone()
    log_in(page, live, door_staff.email, DEMO_PASSWORD)
    page.goto(live("/checkin/occupancy"))
    rows = page.locator("tr.room-row th").all_inner_texts()
    assert rows == ["Klein", "Groot"]
    assert "Scanned out at the venue entrance: out of every room of that venue as well." in page.inner_text("main")
    violations = blocking(run_axe(page))
    assert violations == [], describe_violations("occupancy page", violations)
    overflow = page_overflow(page)
    assert overflow["scrollWidth"] <= overflow["clientWidth"], overflow
    # And at 1280 px, the door page with its answer too.
    desk = page.context.browser.new_context(viewport=DESKTOP, locale="en-GB")
    try:
        wide = desk.new_page()
        log_in(wide, live, door_staff.email, DEMO_PASSWORD)
        for url in ("/checkin/occupancy", f"/checkin/?door={door.key}&direction=in"):
            wide.goto(live(url))
            if "door=" in url:
                wide.locator("input[name=code]").fill("0000-0000-0000")
                wide.locator("input[name=code]").press("Enter")
                wide.locator("#scan-result[data-tone='stop']").wait_for()
            violations = blocking(run_axe(wide))
            assert violations == [], describe_violations(f"{url} at 1280 px", violations)
    finally:
        desk.close()
