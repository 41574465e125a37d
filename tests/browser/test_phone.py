"""On a 375 px phone: no page scrolls sideways (the room grid scrolls inside its own box),
and every page that shows times says in which zone."""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import log_in, new_page
from tests.browser.harness import PHONE, dump, page_overflow
from tests.browser.site import DELEGATE, DemoSite

pytestmark = pytest.mark.browser

ZONE = re.compile(r"\b(CEST|CET)\b|Europe/Amsterdam")
CLOCK = re.compile(r"\b\d{1,2}:\d{2}\b")

# path, does it show clock times
PAGES = {
    "home": (lambda s: "/", True),
    "programme list": (lambda s: "/programme/", True),
    "programme grid": (lambda s: "/programme/grid", True),
    "session page": (lambda s: f"/programme/sessions/{s.booking_session_id}", True),
    "programme changes": (lambda s: "/programme/changes", True),
    "calendar list": (lambda s: "/calendar/", True),
    "calendar month": (lambda s: "/calendar/month/2022-07", True),
    "calendar day": (lambda s: "/calendar/day/" + s.event_day, True),
    "event page": (lambda s: f"/calendar/events/{s.event_id}", True),
    "log in": (lambda s: "/account/login", False),
    "sign up": (lambda s: "/account/signup", False),
}
DELEGATE_PAGES = {
    "registration form": (lambda s: "/registration/", False),
    "my agenda": (lambda s: "/programme/agenda", True),
    "account page": (lambda s: "/account/", False),
}


@pytest.fixture(scope="module")
def phone(browser: Any) -> Iterator[Any]:
    tab = new_page(browser, viewport=PHONE)
    yield tab
    tab.context.close()


@pytest.fixture(scope="module")
def delegate_phone(browser: Any, demo_site: DemoSite) -> Iterator[Any]:
    tab = new_page(browser, viewport=PHONE)
    log_in(tab, demo_site, DELEGATE)
    yield tab
    tab.context.close()


def check_phone_page(tab: Any, url: str, shows_times: bool) -> None:
    response = tab.goto(url)
    assert response is not None and response.status == 200
    overflow = page_overflow(tab)
    assert overflow["scrollWidth"] <= PHONE["width"], f"{url} scrolls sideways: {dump(overflow)}"
    main = tab.locator("main").inner_text()
    if shows_times:
        assert CLOCK.search(main), f"{url} shows no time"
        assert ZONE.search(main), f"{url} shows times without their zone"


@pytest.mark.parametrize("name", list(PAGES))
def test_public_page_fits_a_phone_and_states_the_zone(demo_site: DemoSite, phone: Any, name: str) -> None:
    path, shows_times = PAGES[name]
    check_phone_page(phone, demo_site(path(demo_site)), shows_times)


@pytest.mark.parametrize("name", list(DELEGATE_PAGES))
def test_delegate_page_fits_a_phone(demo_site: DemoSite, delegate_phone: Any, name: str) -> None:
    path, shows_times = DELEGATE_PAGES[name]
    check_phone_page(delegate_phone, demo_site(path(demo_site)), shows_times)


def test_room_grid_scrolls_inside_its_own_box(demo_site: DemoSite, phone: Any) -> None:
    phone.goto(demo_site("/programme/grid"))
    box = phone.evaluate(
        """() => {
            const table = document.querySelector('main table');
            let box = table.parentElement;
            while (box && !['auto', 'scroll'].includes(getComputedStyle(box).overflowX)) box = box.parentElement;
            return box && {scrollWidth: box.scrollWidth, clientWidth: box.clientWidth,
                           right: box.getBoundingClientRect().right, table: table.scrollWidth};
        }"""
    )
    assert box is not None, "the grid has no scrolling container"
    assert box["right"] <= PHONE["width"]
    assert box["table"] > box["clientWidth"]  # several rooms: wider than the phone, so it scrolls
    first_time = phone.locator("main table tbody th").first.inner_text()
    assert re.fullmatch(r"\d{2}:\d{2}", first_time)


def test_session_page_states_date_time_and_zone_together(demo_site: DemoSite, phone: Any) -> None:
    phone.goto(demo_site(f"/programme/sessions/{demo_site.session_id}"))
    when = phone.locator("main").inner_text()
    assert re.search(r"\w+day \d{1,2} July 2022, \d{2}:\d{2} (CEST|CET)", when), when
