"""axe-core (WCAG 2.1 A and AA) on every public page and the main forms, at 375 and 1280 px,
and the registration form with the keyboard alone."""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from esof.extensions import db
from esof.registration.models import Registration
from tests.browser.conftest import log_in, new_page
from tests.browser.harness import WIDTHS, LiveServer, blocking, describe_violations, run_axe
from tests.browser.site import DELEGATE, DemoSite
from tests.factories import UserFactory
from tests.registration.factories import CategoryFactory
from tests.support import DEMO_PASSWORD

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
    "partner's events": ("partner1@example.org", "/calendar/mine"),
    "moderation queue": ("organiser@example.org", "/calendar/moderation"),
    "account page": (DELEGATE, "/account/"),
    "my agenda": (DELEGATE, "/programme/agenda"),
    "organiser home and dashboard": ("organiser@example.org", "/organiser/"),
    "admin people and roles": ("admin@example.org", "/admin/users?q=delegate1"),
    "admin audit log": ("admin@example.org", "/admin/audit"),
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


# --- the keyboard alone ----------------------------------------------------------------------

FOCUSED = """() => {
    const el = document.activeElement;
    const style = getComputedStyle(el);
    return {
        tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute('name') || '',
        type: el.getAttribute('type') || '', text: (el.innerText || el.value || '').trim().slice(0, 80),
        href: el.getAttribute('href') || '', checked: !!el.checked, tabIndex: el.tabIndex,
        outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
    };
}"""


def tab_to(page: Any, matches: Any, limit: int = 60) -> dict[str, Any]:
    """Press Tab until the focused element matches; every stop on the way shows its focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused["tag"] == "body" or focused["tabIndex"] < 0:
            # Focus is outside the document (the browser's own UI), or on a target focused by
            # a link such as <main tabindex="-1"> (skip link, #main in the address): no tab stop.
            continue
        assert focused["outline"], f"no visible focus indicator on {focused}"
        if matches(focused):
            return focused
    raise AssertionError(f"Tab never reached the element ({limit} presses)")


def test_registration_with_the_keyboard_alone(app: Flask, live: LiveServer, browser: Any) -> None:
    CategoryFactory(code="regular", name="Regular delegate", name_nl="Gewone deelnemer")
    UserFactory(email="keys@example.org", display_name="Kees Toetsenbord")
    db.session.commit()
    page = new_page(browser, viewport=WIDTHS["375px"])

    page.goto(live("/account/login"))
    first = tab_to(page, lambda f: True)
    assert (first["href"], first["text"]) == ("#main", "Skip to main content")
    page.keyboard.press("Enter")
    tab_to(page, lambda f: f["id"] == "email")
    page.keyboard.type("keys@example.org")
    tab_to(page, lambda f: f["id"] == "password")
    page.keyboard.type(DEMO_PASSWORD)
    tab_to(page, lambda f: f["tag"] == "button" and f["text"] == "Log in")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    tab_to(page, lambda f: f["tag"] == "a" and f["href"] == "/registration/")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("heading", level=1).inner_text() == "Register for ESOF 2022"

    tab_to(page, lambda f: f["id"] == "category-regular")
    page.keyboard.press("Space")
    for field, text in (("first_name", "Kees"), ("last_name", "Toetsenbord"), ("affiliation", "Hogeschool Leiden")):
        tab_to(page, lambda f, field=field: f["id"] == field)
        page.keyboard.type(text)
    tab_to(page, lambda f: f["id"] == "country")
    page.keyboard.type("Netherlands")  # a closed <select> picks the option by typing
    tab_to(page, lambda f: f["id"] == "consent")
    page.keyboard.press("Space")
    assert page.evaluate(FOCUSED)["checked"] is True
    tab_to(page, lambda f: f["tag"] == "button" and f["text"] == "Register")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert re.search(r"/registration/\d+$", page.url), page.locator("main").inner_text()
    registration = db.session.scalar(sa.select(Registration))
    assert (registration.status, registration.country, registration.affiliation) == (
        "confirmed", "NL", "Hogeschool Leiden")
    assert registration.category.code == "regular"
    page.context.close()
