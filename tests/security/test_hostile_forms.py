"""Every POST form of the demo, posted with hostile values by the person who can use it.

Each form is found by the crawl of tests/security/hostile.py (every persona opens every page it
can) and gets its own copy of the demo database. Hypothesis takes the page's own values and
replaces, repeats or leaves out one to three fields (never the CSRF token, which stays valid).
Whatever is sent, the answer is never a 5xx; it is either a redirect (accepted: nothing stored
with a NUL byte or another control character, nothing cut short without a message) or a refusal
(a 4xx, or the form again with a message), and then the database is exactly as before."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings

from esof import create_app
from esof.extensions import limiter
from tests.conftest import BASE_TEST_CONFIG
from tests.demo_world import changes, snapshot
from tests.security.hostile import (
    Catalogue,
    Change,
    FormCase,
    _PageReader,
    apply_changes,
    crawl,
    form_changes,
    shows_a_message,
    stored_problems,
)
from tests.support import log_in

EXAMPLES_PER_FORM = 12
# A form with nothing but its CSRF token (a delete or resend button) gets fields it does not
# expect, with hostile values: fewer examples, since there is less to vary.
EXAMPLES_PER_BUTTON = 4
UNEXPECTED_FIELDS = ["next", "back", "id", "confirm"]

# POST routes the demo shows no form for, and why; each is exercised by its area's own tests.
WITHOUT_FORM = {
    "accounts.resend_verification": "every demo account is verified",
    "accounts.reset_password": "reached through a mailed token only",
    "announcements.message_resume": "no demo announcement is paused",
    "announcements.unsubscribe": "reached through a mailed token only",
    "bookings.session_book": "the demo's delegates hold or wait for every bookable session they are shown",
    "cfp.conflict_withdraw": "the demo reviewer has declared no conflict",
    "cfp.decision_create": "decisions are taken in bulk on the proposals page",
    "cfp.invitation_answer": "reached through a mailed token only",
    "cfp.invitation_signup": "reached through a mailed token only",
    "checkin.scan_json": "JSON posted by the door page's script",
    "checkin.scan_submit": "shown once a door is chosen",
    "checkin.sync": "JSON posted by the door page's service worker",
    "mail.outbox_retry": "no demo message has failed",
    "programme.availability_add": "the person page adds availability for speakers with sessions only",
    "programme.availability_delete": "as above",
    "programme.proposal_apply": "no schedule proposal has been computed in the demo",
    "registration.organiser_approve": "no demo registration waits for approval on the first page",
    "registration.organiser_bank_statement_confirm": "shown after a statement is uploaded",
    "registration.organiser_questions": "a tool's way to create a question; the page's form posts to /questions/new",
    "registration.organiser_refund_done": "no demo refund is due",
    "registration.organiser_reject": "no demo registration waits for approval on the first page",
    "registration.organiser_vouchers": "a tool's way to create vouchers; the page's form posts to /vouchers/new",
    "side_events.draft_delete": "the demo has no partner drafts",
    "side_events.draft_send": "the demo has no partner drafts",
    "side_events.invitation_accept": "reached through a mailed token only",
    "speakers.availability_add": "shown for speakers with an accepted session only",
}


def _post_endpoints() -> list[str]:
    app = create_app({**BASE_TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return sorted({r.endpoint for r in app.url_map.iter_rules() if "POST" in (r.methods or ())})


FORM_ENDPOINTS = [e for e in _post_endpoints() if e not in WITHOUT_FORM]
# Shrinking a failure would post hundreds more examples; the failing one is shown as it was.
NO_SHRINKING = (Phase.explicit, Phase.reuse, Phase.generate)


@pytest.fixture(scope="session")
def catalogue(demo_database: Path) -> Catalogue:
    return crawl(demo_database)


def test_every_post_route_has_a_form_in_the_demo_or_a_reason(catalogue: Catalogue) -> None:
    missing = sorted(catalogue.post_endpoints - set(catalogue.forms) - set(WITHOUT_FORM))
    assert missing == [], f"POST routes with no form in the demo and no reason in WITHOUT_FORM: {missing}"
    listed_but_found = sorted(set(WITHOUT_FORM) & set(catalogue.forms))
    assert listed_but_found == [], f"forms the demo now shows: take them out of WITHOUT_FORM: {listed_but_found}"


def _form_on_page(client, case: FormCase) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    shown = client.get(case.page)
    assert shown.status_code == 200, (case.page, shown.status_code)
    reader = _PageReader()
    reader.feed(shown.get_data(as_text=True))
    for action, fields in reader.forms:
        if (action or case.page) == case.action:
            return fields
    raise AssertionError(f"{case.page} no longer shows the form for {case.action}")


@pytest.mark.parametrize("endpoint", FORM_ENDPOINTS)
def test_a_form_answers_hostile_values_without_losing_data(
        demo_app: Flask, catalogue: Catalogue, endpoint: str) -> None:
    assert endpoint in catalogue.forms, f"no form of the demo posts to {endpoint}: see WITHOUT_FORM"
    case = catalogue.forms[endpoint]
    # Every example must reach the form's own checks: the log-in, sign-up and reset limits
    # (tests/accounts/test_rate_limits.py) would answer most of them 429 before that.
    limiter.enabled = False
    # The schedule solver runs in the request, so that the database changes only by what the
    # request itself did (its thread would otherwise write progress during later examples).
    demo_app.config["SCHEDULE_PROPOSAL_SYNC"] = True
    client = demo_app.test_client()
    if case.email:
        log_in(client, case.email)
    fields = _form_on_page(client, case)
    names = sorted({n for n, _v in fields if n != "csrf_token"}) or UNEXPECTED_FIELDS
    examples = EXAMPLES_PER_FORM if names is not UNEXPECTED_FIELDS else EXAMPLES_PER_BUTTON
    outcomes: Counter[str] = Counter()
    state = {"before": snapshot()}  # taken again only after a form was accepted

    @given(made=form_changes(names))
    @settings(max_examples=examples, deadline=None, derandomize=True, database=None, phases=NO_SHRINKING,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                     HealthCheck.data_too_large])
    def post_hostile(made: list[Change]) -> None:
        sent = apply_changes(fields, made)
        answer = client.post(case.action, data=sent)
        before, after = state["before"], snapshot()
        changed = changes(before, after)
        state["before"] = after
        html = answer.get_data(as_text=True)
        summary = (case.action, answer.status_code, made_summary(made))
        assert answer.status_code < 500, (*summary, html[:2000])
        if answer.status_code in (301, 302, 303):
            outcomes["accepted"] += 1
            assert stored_problems(sent, before, after) == [], summary
            return
        outcomes["refused"] += 1
        assert answer.status_code in (200, 400, 403, 404, 409, 413, 422, 429), summary
        assert changed == {}, (*summary, changed)
        # A 4xx says by itself that nothing was done; a 200 must say why on the page.
        assert answer.status_code != 200 or shows_a_message(html), (*summary, "refused without a message",
                                                                  html[-3000:])

    post_hostile()
    print(f"\n{endpoint} as {case.persona}: {dict(outcomes)}")
    assert outcomes.total() >= examples, outcomes


def made_summary(made: list[Change]) -> list[tuple[str, str, str]]:
    return [(c.kind, c.name, c.value[:60] + (f"…({len(c.value)})" if len(c.value) > 60 else "")) for c in made]
