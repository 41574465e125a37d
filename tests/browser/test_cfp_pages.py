"""The call-for-sessions pages in Chromium: axe-core (WCAG 2.1 A and AA) on each of them at 375
and 1280 px, the error summary of a refused form included, and a proposal submitted with the
keyboard alone."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from esof.cfp import services
from esof.cfp.models import Proposal, ProposalState
from esof.extensions import db
from tests.browser.conftest import log_in, new_page
from tests.browser.harness import LIVE_CONFIG, WIDTHS, LiveServer, blocking, describe_violations, run_axe
from tests.cfp.factories import make_organiser, make_proposal, make_reviewer, many_proposals, open_call
from tests.factories import UserFactory
from tests.support import DEMO_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config() -> dict[str, Any]:
    return dict(LIVE_CONFIG)


@pytest.fixture
def site(app: Flask, browser_tools: None) -> Iterator[tuple[LiveServer, dict[str, Any]]]:
    open_call()
    ada = UserFactory(email="ada@example.org", display_name="Ada Lovelace")
    proposal = make_proposal(ada, co_speakers=["bob@example.org"])
    make_reviewer(email="rev@example.org")
    make_organiser(email="org@example.org")
    services.save_review(proposal=proposal, reviewer=make_reviewer(), data=services.ReviewInput(
        score=4, criteria={"relevance": 4, "clarity": 5}, comment="Clear and timely."))
    many_proposals(40, reviews_each=2, seed=9)
    speaker = next(s for s in proposal.speakers if s.email == "bob@example.org")
    facts = {"proposal": proposal.id, "token": services.invitation_token(speaker)}
    db.session.commit()
    with LiveServer(app) as server:
        yield server, facts


PAGES = [
    (None, "/cfp/"),
    (None, "invitation"),
    ("ada@example.org", "/cfp/submit"),
    ("ada@example.org", "/cfp/mine"),
    ("ada@example.org", "proposal"),
    ("rev@example.org", "/review/"),
    ("rev@example.org", "review"),
    ("org@example.org", "/programme/organiser/proposals"),
    ("org@example.org", "organiser proposal"),
    ("org@example.org", "/cfp/organiser/call"),
]


def path_of(where: str, facts: dict[str, Any]) -> str:
    return {
        "invitation": f"/cfp/invitations/{facts['token']}",
        "proposal": f"/cfp/proposals/{facts['proposal']}",
        "review": f"/review/proposals/{facts['proposal']}",
        "organiser proposal": f"/programme/organiser/proposals/{facts['proposal']}",
    }.get(where, where)


@pytest.mark.parametrize("width", list(WIDTHS))
def test_every_cfp_page_passes_axe(site, browser: Any, width: str) -> None:
    server, facts = site
    tabs: dict[str | None, Any] = {}
    try:
        for who, where in PAGES:
            if who not in tabs:
                tabs[who] = new_page(browser, viewport=WIDTHS[width])
                if who:
                    log_in(tabs[who], server, who, DEMO_PASSWORD)
            tab = tabs[who]
            url = server(path_of(where, facts))
            response = tab.goto(url)
            assert response is not None and response.status == 200, f"{url} answered {response and response.status}"
            problems = blocking(run_axe(tab))
            assert not problems, describe_violations(f"{where} at {width}", problems)
    finally:
        for tab in tabs.values():
            tab.context.close()


def test_a_refused_submission_shows_an_accessible_error_summary_and_the_keyboard_submits(
    site, browser: Any,
) -> None:
    server, _facts = site
    tab = new_page(browser)
    try:
        log_in(tab, server, "ada@example.org", DEMO_PASSWORD)
        tab.goto(server("/cfp/submit"))
        tab.get_by_label("Title in English").fill("Light over Leiden")
        tab.get_by_role("button", name="Submit the proposal").click()
        summary = tab.get_by_role("alert")
        assert "Give the abstract in English." in summary.inner_text()
        problems = blocking(run_axe(tab))
        assert not problems, describe_violations("refused submission", problems)

        tab.get_by_label("Abstract in English").focus()
        tab.keyboard.type("Street lights, stars and the animals that need the dark.")
        tab.get_by_label("Format").select_option("workshop")
        tab.get_by_label("Track", exact=True).select_option(label="Track A")
        tab.get_by_role("button", name="Submit the proposal").focus()
        tab.keyboard.press("Enter")
        tab.wait_for_url(lambda url: "/cfp/proposals/" in url)
        assert "Thank you: your proposal is submitted." in tab.content()
    finally:
        tab.context.close()
    db.session.expire_all()
    states = db.session.scalars(sa.select(Proposal.state).where(Proposal.title == "Light over Leiden")).all()
    assert states == [ProposalState.SUBMITTED]
