"""Browser fixtures: Debian's Chromium through Playwright, the real app on a free port.

Two kinds of app: `demo_site` (one per test session, demo data at a small size, read-only
tests: accessibility, phone layout, Dutch) and `live` (one per test, a fresh migrated
database and a real SMTP server, for flows that change data).
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from esof.extensions import db
from tests.browser.harness import DESKTOP, LIVE_CONFIG, Inbox, LiveServer, launch_chromium, missing_tools, smtp_server
from tests.browser.site import DEMO_PASSWORD, DemoSite
from tests.browser.site import demo_site as serve_demo_site
from tests.support import IN_CI


@pytest.fixture(scope="session")
def browser_tools() -> None:
    reasons = missing_tools()
    if not reasons:
        return
    message = "; ".join(reasons)
    if IN_CI:
        pytest.fail(f"browser tests need: {message} (required because CI=true)")
    pytest.skip(f"{message}; set CI=true to make this a failure")


@pytest.fixture(scope="session")
def browser(browser_tools: None) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


def new_page(browser: Any, viewport: dict[str, int] = DESKTOP, locale: str = "en-GB") -> Any:
    context = browser.new_context(viewport=viewport, locale=locale)
    context.set_default_timeout(10_000)
    return context.new_page()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    tab = new_page(browser)
    yield tab
    tab.context.close()


# --- the demo site (read-only) --------------------------------------------------------------


@pytest.fixture(scope="session")
def demo_site(browser_tools: None, sqlite_template: Path,
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoSite]:
    with serve_demo_site(sqlite_template, tmp_path_factory.mktemp("demo-site")) as site:
        yield site


def log_in(page: Any, base: Any, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(base("/account/login"))
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/account/login" not in url)


# --- a live app per test (flows that change data) -------------------------------------------


@pytest.fixture
def smtp(browser_tools: None) -> Iterator[tuple[Inbox, int]]:
    with smtp_server() as server:
        yield server


@pytest.fixture
def app_config(smtp: tuple[Inbox, int]) -> dict[str, Any]:
    """The `app` fixture of tests/conftest.py with real SMTP delivered at the end of each request."""
    return {**LIVE_CONFIG, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp[1], "MAIL_SEND_INLINE": True}


@pytest.fixture
def inbox(smtp: tuple[Inbox, int]) -> Inbox:
    return smtp[0]


@pytest.fixture
def live(app: Flask) -> Iterator[LiveServer]:
    db.session.commit()
    with LiveServer(app) as server:
        yield server
