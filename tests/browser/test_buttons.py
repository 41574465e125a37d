"""Delegates' actions look like the site's buttons (issue 24 item 6): booking, starring and
cancelling were tiny native buttons; every one of them now has the site's button style."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import log_in, new_page
from tests.browser.site import DELEGATE, DemoSite

STYLE = """els => els.map(el => { const s = getComputedStyle(el); return {
  text: el.textContent.trim(), padding: parseFloat(s.paddingTop), border: parseFloat(s.borderTopWidth),
  weight: parseInt(s.fontWeight, 10), height: el.getBoundingClientRect().height }; })"""


@pytest.fixture(scope="module")
def delegate_tab(browser: Any, demo_site: DemoSite) -> Iterator[Any]:
    tab = new_page(browser)
    log_in(tab, demo_site, DELEGATE)
    yield tab
    tab.context.close()


def styles(tab: Any, selector: str) -> list[dict[str, Any]]:
    found = tab.eval_on_selector_all(selector, STYLE)
    assert found, f"no button matches {selector}"
    return found


@pytest.mark.parametrize("where", ["booked session", "other session", "agenda"])
def test_delegate_actions_are_site_buttons(demo_site: DemoSite, delegate_tab: Any, where: str) -> None:
    path = {"booked session": f"/programme/sessions/{demo_site.booking_session_id}",
            "other session": f"/programme/sessions/{demo_site.session_id}",
            "agenda": "/programme/agenda"}[where]
    assert delegate_tab.goto(demo_site(path)).status == 200
    for button in styles(delegate_tab, "main form button[type=submit]"):
        # The site's button: .6rem padding, a 2px border, bold text, a comfortable target.
        assert button["padding"] >= 9 and button["border"] == 2 and button["weight"] >= 600, button
        assert button["height"] >= 40, button
