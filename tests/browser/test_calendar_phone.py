"""The side-events month on a 375 px phone: a list of days (no 7-column table), the days within
reach (long-running events folded), nothing sideways; the event page's labels beside their
values; the public venue pages; axe on the pages touched, at 375 and 1280 px."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import new_page
from tests.browser.harness import DESKTOP, PHONE, WIDTHS, blocking, describe_violations, dump, page_overflow, run_axe
from tests.browser.site import DemoSite

pytestmark = pytest.mark.browser

FIRST_DAY_WITHIN_PX = 1500


@pytest.fixture(scope="module")
def phone(browser: Any) -> Iterator[Any]:
    tab = new_page(browser, viewport=PHONE)
    yield tab
    tab.context.close()


@pytest.fixture(scope="module", params=list(WIDTHS), ids=list(WIDTHS))
def width_page(request: pytest.FixtureRequest, browser: Any) -> Iterator[Any]:
    tab = new_page(browser, viewport=WIDTHS[request.param])
    yield tab
    tab.context.close()


def measure_month(tab: Any) -> dict[str, Any]:
    return tab.evaluate(
        """() => {
            const top = el => el ? Math.round(el.getBoundingClientRect().top + window.scrollY) : null;
            const shown = [...document.querySelectorAll('td[data-day]')].filter(td => td.offsetParent !== null);
            const running = document.querySelector('details.se-running');
            return {
                firstDay: shown.length ? shown[0].dataset.day : null, firstDayTop: top(shown[0]),
                daysShown: shown.length,
                tableDisplay: getComputedStyle(document.querySelector('table.se-month')).display,
                widest: Math.max(...shown.map(td => Math.round(td.getBoundingClientRect().right))),
                runningOpen: running ? running.open : null,
                runningCount: running ? running.querySelectorAll('li').length : 0,
                pageHeight: document.documentElement.scrollHeight,
            };
        }"""
    )


def test_phone_month_is_a_day_list_with_the_days_near_the_top(demo_site: DemoSite, phone: Any) -> None:
    response = phone.goto(demo_site("/calendar/month/2022-07"))
    assert response is not None and response.status == 200
    found = measure_month(phone)
    print("phone month:", dump(found))
    assert found["tableDisplay"] == "block", "the week table still lays out as a table"
    assert found["firstDay"] is not None and found["firstDay"].startswith("2022-07-")
    assert found["firstDayTop"] <= FIRST_DAY_WITHIN_PX, dump(found)
    assert found["widest"] <= PHONE["width"], dump(found)
    assert found["runningOpen"] is False  # folded until asked for
    overflow = page_overflow(phone)
    assert overflow["scrollWidth"] <= PHONE["width"], dump(overflow)
    phone.locator("details.se-running summary").click()
    assert phone.locator("details.se-running li").first.is_visible()
    assert page_overflow(phone)["scrollWidth"] <= PHONE["width"]


def test_desktop_month_keeps_the_week_table(demo_site: DemoSite, browser: Any) -> None:
    tab = new_page(browser, viewport=DESKTOP)
    try:
        tab.goto(demo_site("/calendar/month/2022-07"))
        found = measure_month(tab)
        assert found["tableDisplay"] == "table" and found["firstDayTop"] <= FIRST_DAY_WITHIN_PX, dump(found)
    finally:
        tab.context.close()


def fact_boxes(tab: Any) -> list[dict[str, float]]:
    return tab.evaluate(
        """() => [...document.querySelectorAll('dl.se-facts > dt')].map(dt => {
            const dd = dt.nextElementSibling.getBoundingClientRect(), box = dt.getBoundingClientRect();
            return {dtTop: box.top, dtRight: box.right, dtBottom: box.bottom, ddTop: dd.top, ddLeft: dd.left};
        })"""
    )


def test_event_page_labels_sit_beside_their_values(demo_site: DemoSite, width_page: Any) -> None:
    width_page.goto(demo_site(f"/calendar/events/{demo_site.event_id}"))
    boxes = fact_boxes(width_page)
    assert len(boxes) >= 5
    wide = width_page.viewport_size["width"] > PHONE["width"]
    for box in boxes:
        if wide:  # same line, a short gap
            assert abs(box["ddTop"] - box["dtTop"]) < 4 and 0 <= box["ddLeft"] - box["dtRight"] < 200, dump(box)
        else:  # right above its value
            assert 0 <= box["ddTop"] - box["dtBottom"] < 8, dump(box)


@pytest.mark.parametrize("path", ["/calendar/month/2022-07", "event", "/venues/", "/venues/pieterskerk"])
def test_touched_calendar_pages_have_no_serious_violation(demo_site: DemoSite, width_page: Any, path: str) -> None:
    url = demo_site(f"/calendar/events/{demo_site.event_id}" if path == "event" else path)
    response = width_page.goto(url)
    assert response is not None and response.status == 200
    width_page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
    problems = blocking(run_axe(width_page))
    assert not problems, describe_violations(url, problems)


@pytest.mark.parametrize("path", ["/venues/", "/venues/pieterskerk"])
def test_venue_pages_fit_a_phone(demo_site: DemoSite, phone: Any, path: str) -> None:
    response = phone.goto(demo_site(path))
    assert response is not None and response.status == 200
    overflow = page_overflow(phone)
    assert overflow["scrollWidth"] <= PHONE["width"], dump(overflow)
    main = phone.locator("main").inner_text()
    assert "Leiden, Leiden" not in main
    if path != "/venues/":
        assert "Sessions here" in main and "Rooms" in main
