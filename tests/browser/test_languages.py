"""The Dutch switch in a real browser: Dutch pages, no English UI string left over."""
from __future__ import annotations

from typing import Any

import pytest

from esof import i18n_catalogues
from tests.browser.conftest import new_page
from tests.browser.site import DemoSite

pytestmark = pytest.mark.browser

DUTCH_PAGES = {
    "/": "EuroScience Open Forum 2022",
    "/programme/": "Programma",
    "/programme/grid": "Programma: zalenrooster",
    "/calendar/": "City of Science-agenda",
    "/account/signup": "Maak een account aan",
}


def english_only_strings() -> dict[str, str]:
    """UI strings whose Dutch differs from the English, from every area's catalogue."""
    found: dict[str, str] = {}
    dutch: set[str] = set()
    for area in i18n_catalogues.all_areas():
        for message in i18n_catalogues.read_catalogue(area):
            if isinstance(message.id, str) and message.id and isinstance(message.string, str) and message.string:
                dutch.add(message.string)
                if message.string != message.id and "%" not in message.id:
                    found[message.id] = message.string
    # "Start" is English for a time field and Dutch for the home page: Dutch words are fine.
    return {english: nl for english, nl in found.items() if english not in dutch}


ENDONYMS = {"English", "Nederlands"}
VISIBLE_TEXTS = """() => {
    const texts = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text = node.textContent.replace(/\\s+/g, ' ').trim();
        if (text && node.parentElement.closest('[lang]:not(html)') === null) texts.push(text);
    }
    for (const el of document.querySelectorAll('[aria-label], [placeholder], [title]')) {
        for (const name of ['aria-label', 'placeholder', 'title']) {
            if (el.hasAttribute(name)) texts.push(el.getAttribute(name).trim());
        }
    }
    texts.push(document.title);
    return texts;
}"""


def english_left_on(page: Any, catalogue: dict[str, str]) -> list[str]:
    # Language pickers name each language in itself ("English", "Nederlands").
    texts = [t for t in page.evaluate(VISIBLE_TEXTS) if t not in ENDONYMS]
    title_parts = [part.strip() for text in texts for part in text.split("·")]
    return sorted({text for text in texts + title_parts if text in catalogue})


def test_dutch_switch_turns_the_pages_dutch(demo_site: DemoSite, page: Any) -> None:
    catalogue = english_only_strings()
    page.goto(demo_site("/"))
    assert page.locator("html").get_attribute("lang") == "en"

    with page.expect_navigation():
        page.get_by_role("navigation", name="Language").get_by_role("button", name="Nederlands").click()

    for path, heading in DUTCH_PAGES.items():
        page.goto(demo_site(path))
        assert page.locator("html").get_attribute("lang") == "nl", path
        assert page.get_by_role("heading", level=1).inner_text() == heading
        assert page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link").all_inner_texts()[:3] == [
            "Programma", "City of Science-agenda", "Registreren"]
        assert english_left_on(page, catalogue) == [], path

    session = page.goto(demo_site(f"/programme/sessions/{demo_site.session_id}"))
    assert session is not None and session.status == 200
    when = page.locator("main").inner_text()
    assert "juli 2022" in when and "CEST" in when
    assert english_left_on(page, catalogue) == []

    with page.expect_navigation():
        page.get_by_role("navigation", name="Taal").get_by_role("button", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"


def test_dutch_browser_logs_in_in_dutch_and_switch_wins_over_account_language(
    demo_site: DemoSite, browser: Any
) -> None:
    catalogue = english_only_strings()
    tab = new_page(browser, locale="nl-NL")
    try:
        log_in_dutch(tab, demo_site)
        # The account's language (English) wins over the browser's ...
        assert tab.locator("html").get_attribute("lang") == "en"
        # ... and the switch wins over both. It works from the keyboard (a real button in a
        # form, no script) and, posted with its CSRF token, becomes the account's language.
        tab.get_by_role("navigation", name="Language").get_by_role("button", name="Nederlands").focus()
        with tab.expect_navigation():
            tab.keyboard.press("Enter")
        assert tab.locator("html").get_attribute("lang") == "nl"
        for path in ("/registration/", "/account/"):
            tab.goto(demo_site(path))
            assert tab.locator("html").get_attribute("lang") == "nl"
            assert english_left_on(tab, catalogue) == [], path
        assert tab.locator("select#language").input_value() == "nl"  # the profile form's choice
    finally:
        switch_account_back_to_english(tab, demo_site)
        tab.context.close()


def switch_account_back_to_english(tab: Any, site: DemoSite) -> None:
    """The demo site is shared by the read-only tests, which expect the newcomer in English."""
    tab.goto(site("/account/"))
    english = tab.get_by_role("navigation", name="Taal").get_by_role("button", name="English")
    if english.count():
        with tab.expect_navigation():
            english.click()


def log_in_dutch(tab: Any, site: DemoSite) -> None:
    tab.goto(site("/account/login"))
    assert tab.get_by_role("heading", level=1).inner_text() == "Inloggen"
    tab.get_by_label("E-mailadres").fill(site.newcomer)
    tab.get_by_label("Wachtwoord", exact=True).fill("esof2022-demo")
    tab.get_by_role("main").get_by_role("button", name="Inloggen").click()
    tab.wait_for_url(lambda url: "/account/login" not in url)

