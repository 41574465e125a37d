"""The programme pages as a visitor and a delegate use them in Chromium: the room grid keeps
its time column and room headers in view while its box scrolls both ways, and the list,
its search, the grid, a cancelled session's page and the delegate's marks have no serious
accessibility violation."""
from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import log_in, new_page
from tests.browser.harness import DESKTOP, PHONE, blocking, describe_violations, dump, page_overflow, run_axe
from tests.browser.site import DELEGATE, DemoSite

pytestmark = pytest.mark.browser

STICKY_PROBE = """() => {
    const box = document.querySelector('.grid-scroll');
    box.scrollIntoView({block: 'start'});
    box.scrollTo(box.scrollWidth, box.scrollHeight);
    const frame = box.getBoundingClientRect();
    const rows = [...box.querySelectorAll('tbody tr')];
    const lastRow = rows[rows.length - 1];
    const time = lastRow.querySelector('th').getBoundingClientRect();
    const header = box.querySelector('thead th:last-child').getBoundingClientRect();
    const corner = box.querySelector('thead th').getBoundingClientRect();
    // What the visitor sees at the box's top-left and just below the header, at the left edge.
    const seenCorner = document.elementFromPoint(frame.left + 4, frame.top + 4);
    const seenTime = document.elementFromPoint(frame.left + 4, corner.bottom + 8);
    return {
        scrolledRight: box.scrollLeft, scrolledDown: box.scrollTop,
        boxLeft: frame.left, boxTop: frame.top, timeLeft: time.left, cornerTop: corner.top,
        headerTop: header.top,
        cornerSeen: seenCorner && seenCorner.closest('thead th') !== null,
        timeSeen: seenTime && seenTime.closest('tbody th') !== null,
    };
}"""


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280px", "375px"])
def test_the_grid_keeps_times_and_rooms_in_view_when_scrolled(demo_site: DemoSite, browser: Any,
                                                               viewport: dict[str, int]) -> None:
    tab = new_page(browser, viewport=viewport)
    try:
        tab.goto(demo_site("/programme/grid?day=2022-07-16&venue=all"))  # eleven rooms
        seen = tab.evaluate(STICKY_PROBE)
        assert seen["scrolledRight"] > 0 and seen["scrolledDown"] > 0, seen  # it did scroll both ways
        assert abs(seen["timeLeft"] - seen["boxLeft"]) <= 2, seen  # the time column stays at the left
        assert abs(seen["cornerTop"] - seen["boxTop"]) <= 2, seen  # the header row stays at the top
        assert abs(seen["headerTop"] - seen["boxTop"]) <= 2, seen
        assert seen["cornerSeen"] and seen["timeSeen"], seen  # not hidden under the cells
    finally:
        tab.context.close()


def test_the_default_grid_shows_one_venue(demo_site: DemoSite, page: Any) -> None:
    page.goto(demo_site("/programme/grid"))
    chosen = page.locator("#venue option:checked").inner_text()
    assert chosen != "All venues (wide)"
    venues = set(page.locator("main table thead .note").all_inner_texts())
    assert venues == {chosen}


VISITOR_PAGES = ["/programme/grid", "/programme/grid?venue=all", "/programme/?q=the",
                 "/programme/?day=2022-07-14"]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280px", "375px"])
def test_programme_pages_have_no_serious_violation(demo_site: DemoSite, browser: Any,
                                                   viewport: dict[str, int]) -> None:
    tab = new_page(browser, viewport=viewport)
    try:
        sessions = tab.request.get(demo_site("/api/v1/sessions")).json()["items"]
        cancelled = next(item["id"] for item in sessions if item["status"] == "cancelled")
        for path in [*VISITOR_PAGES, f"/programme/sessions/{cancelled}"]:
            assert tab.goto(demo_site(path)).status == 200, path
            problems = blocking(run_axe(tab))
            assert not problems, describe_violations(path, problems)
        assert tab.get_by_text("This session is cancelled.").is_visible()  # the last page: cancelled, shown
        log_in(tab, demo_site, DELEGATE)
        for path in ("/programme/", f"/programme/?day=2022-07-14#session-{demo_site.booking_session_id}"):
            tab.goto(demo_site(path))
            assert tab.locator(".own-marks button").count() > 0, path  # the delegate's forms are there
            problems = blocking(run_axe(tab))
            assert not problems, describe_violations(f"{path} (delegate)", problems)
            overflow = page_overflow(tab)  # the marks and buttons wrap on a phone
            assert overflow["scrollWidth"] <= viewport["width"], f"{path} scrolls sideways: {dump(overflow)}"
    finally:
        tab.context.close()
