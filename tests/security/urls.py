"""Every rule of the URL map as a concrete address, with real ids from the demo.

One table (`ARGUMENTS`) maps each URL argument to SQL that finds its value in the demo, and
names the persona who owns the value where there is an owner: the "delegate"'s registration,
the "speaker"'s person, proposal and availability, the "partner"'s organisation and side event.
Where one name means different things on different routes (`proposal_id` is a call-for-sessions
proposal or a schedule proposal; `speaker_id` a proposal's speaker row or a public speaker),
`ENDPOINT_ARGUMENTS` names the endpoint too. A URL argument with neither entry fails the suite
with its name, so a new route needs an entry here before the access matrix can walk it.

Token routes get the real token of the persona it was made for (made in the demo's world by
the product's own functions: see `make_tokens`) and a wrong one."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import Flask
from werkzeug.routing import Rule as UrlRule

from esof import access
from esof.extensions import db

# The demo's partner invitation made for the matrix (its token is only ever in a mail).
INVITED_EDITOR = "invited-editor@example.org"
WRONG_TOKEN = "not-a-real-token-0123456789abcdef"


@dataclass(frozen=True)
class Value:
    """SQL giving the value (`:owner` is the owner persona's user id), or a literal."""

    sql: str = ""
    owner: str | None = None  # the persona whose object this is
    literal: str | None = None


def _owned(sql: str, owner: str) -> Value:
    return Value(sql, owner)


ARGUMENTS: dict[str, Value] = {
    "user_id": Value("SELECT id FROM user_account WHERE email = 'delegate1@example.org'"),
    "change": Value(literal="grant"),
    "announcement_id": Value("SELECT min(id) FROM announcement"),
    "message_id": Value("SELECT min(id) FROM outbox_message"),
    "session_id": Value("SELECT min(id) FROM programme_session WHERE status = 'confirmed'"),
    "event_id": _owned(
        "SELECT min(e.id) FROM side_event e JOIN partner_membership m ON m.organisation_id = e.organisation_id"
        " WHERE m.user_id = :owner AND e.state = 'approved'", "partner"),
    "organisation_id": _owned("SELECT min(organisation_id) FROM partner_membership WHERE user_id = :owner", "partner"),
    "proposal_id": _owned("SELECT min(id) FROM cfp_proposal WHERE submitter_id = :owner", "speaker"),
    "speaker_id": _owned(
        "SELECT min(s.id) FROM cfp_speaker s WHERE NOT s.is_submitter AND s.proposal_id ="
        " (SELECT min(id) FROM cfp_proposal WHERE submitter_id = :owner)", "speaker"),
    "person_id": _owned("SELECT min(id) FROM person WHERE user_id = :owner", "speaker"),
    "window_id": _owned(
        "SELECT min(a.id) FROM person_availability a JOIN person p ON p.id = a.person_id WHERE p.user_id = :owner",
        "speaker"),
    "registration_id": _owned("SELECT min(id) FROM registration WHERE user_id = :owner", "delegate"),
    "track_id": Value("SELECT min(id) FROM track"),
    "room_id": Value("SELECT min(id) FROM room"),
    "venue_id": Value("SELECT min(id) FROM venue"),
    "slug": Value("SELECT slug FROM venue ORDER BY id LIMIT 1"),
    "category_id": Value("SELECT min(id) FROM registration_category"),
    "question_id": Value("SELECT min(id) FROM registration_question"),
    "voucher_id": Value("SELECT min(id) FROM voucher"),
    "code": Value(literal="nl"),
    "day": Value("SELECT min(date(starts_at)) FROM side_event_occurrence"),
    "year": Value("SELECT CAST(strftime('%Y', min(starts_at)) AS INTEGER) FROM side_event_occurrence"),
    "month": Value("SELECT CAST(strftime('%m', min(starts_at)) AS INTEGER) FROM side_event_occurrence"),
    "filename": Value(literal="css/site.css"),
}

ENDPOINT_ARGUMENTS: dict[tuple[str, str], Value] = {
    # A schedule proposal (a run of the solver), not a proposal of the call for sessions.
    ("programme.proposal_detail", "proposal_id"): Value("SELECT min(id) FROM schedule_proposal"),
    ("programme.proposal_apply", "proposal_id"): Value("SELECT min(id) FROM schedule_proposal"),
    ("programme.proposal_progress", "proposal_id"): Value("SELECT min(id) FROM schedule_proposal"),
    # Reviewers and organisers act on any proposal; the speaker's is as good as any.
    ("api.speaker_detail", "speaker_id"): Value(
        "SELECT min(person_id) FROM published_speaker"),
    ("api.session_detail", "session_id"): Value("SELECT min(session_id) FROM published_session"),
    ("api.side_event_detail", "event_id"): Value("SELECT min(id) FROM side_event WHERE state = 'approved'"),
    # A paid registration: its invoice and receipt exist (the delegate personas' fees are waived).
    ("registration.organiser_invoice_pdf", "registration_id"): Value(
        "SELECT min(id) FROM registration WHERE status = 'confirmed' AND payment_status = 'paid'"),
    ("registration.organiser_receipt_pdf", "registration_id"): Value(
        "SELECT min(id) FROM registration WHERE status = 'confirmed' AND payment_status = 'paid'"),
    # The registration whose refund is due (world._arrange_billing): its credit note and refund.
    ("registration.organiser_credit_note_pdf", "registration_id"): Value(
        "SELECT min(registration_id) FROM refund WHERE status = 'due'"),
    ("registration.organiser_refund_done", "registration_id"): Value(
        "SELECT min(registration_id) FROM refund WHERE status = 'due'"),
    # A session the speaker speaks in: their participation answer.
    ("speakers.participation_answer", "session_id"): _owned(
        "SELECT min(s.session_id) FROM session_speaker s JOIN person p ON p.id = s.person_id"
        " WHERE p.user_id = :owner", "speaker"),
    # The public speaker page: a published speaker.
    ("programme.speaker_detail", "person_id"): Value("SELECT min(person_id) FROM published_speaker"),
    # Public pages of a side event: any approved one.
    ("feeds.side_event_ics", "event_id"): Value("SELECT min(id) FROM side_event WHERE state = 'approved'"),
    ("side_events.event_detail", "event_id"): Value("SELECT min(id) FROM side_event WHERE state = 'approved'"),
}

# Token routes: which token of `Tokens` the URL takes, and the persona it was made for (None:
# an address without an account yet, so whoever holds the link).
TOKEN_ROUTES: dict[str, tuple[str, str | None]] = {
    "accounts.reset_password": ("reset_password", "delegate"),
    "accounts.verify_email": ("verify_email", "delegate"),
    "announcements.unsubscribe": ("unsubscribe", "delegate"),
    "feeds.agenda_feed": ("agenda_feed", "delegate"),
    "cfp.invitation_answer": ("co_speaker", None),
    "cfp.invitation_signup": ("co_speaker", None),
    "side_events.invitation_accept": ("partner_editor", None),
}


# What a browser sends, besides the CSRF token, to routes that check the form before the owner (no other field needed).
POST_DATA: dict[str, dict[str, str]] = {
    "speakers.participation_answer": {"answer": "confirmed"},
}


class MissingArgument(LookupError):
    pass


@dataclass(frozen=True)
class Route:
    """One rule of the URL map and one of its methods, with the concrete URLs to request."""

    endpoint: str
    method: str
    path: str  # the rule as written, for messages
    url: str  # real ids (the owner's), or the right token
    owner: str | None  # persona owning the ids in `url`, or the token's addressee
    rule: access.Rule | None
    wrong_url: str | None = None  # TOKEN routes: the same URL with a wrong token
    arguments: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.endpoint} {self.method} {self.path}"


def value_for(endpoint: str, argument: str) -> Value:
    found = ENDPOINT_ARGUMENTS.get((endpoint, argument)) or ARGUMENTS.get(argument)
    if found is None:
        raise MissingArgument(
            f"URL argument {argument!r} of {endpoint} has no entry in tests/security/urls.py ARGUMENTS"
            " (or ENDPOINT_ARGUMENTS): say which demo row it names")
    return found


def url_rules(app: Flask) -> list[UrlRule]:
    return sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint, r.rule))


def routes(app: Flask, user_ids: dict[str, int], tokens: dict[str, str]) -> dict[str, Route | MissingArgument]:
    """Every rule × method (HEAD and OPTIONS aside: Flask answers them from GET) of the map, by
    `Route.id`; a rule whose arguments have no entry or no demo row gets its error instead.
    Needs an app context on the demo database."""
    rules = access.rules_by_endpoint(app)
    found: dict[str, Route | MissingArgument] = {}
    for url_rule in url_rules(app):
        methods = sorted(url_rule.methods - {"HEAD", "OPTIONS"})
        try:
            url, wrong_url, owner, values = _fill(url_rule, user_ids, tokens)
        except MissingArgument as exc:
            for method in methods:
                found[f"{url_rule.endpoint} {method} {url_rule.rule}"] = exc
            continue
        for method in methods:
            route = Route(url_rule.endpoint, method, url_rule.rule, url, owner, rules.get(url_rule.endpoint),
                          wrong_url, values)
            found[route.id] = route
    return found


def _fill(url_rule: UrlRule, user_ids: dict[str, int], tokens: dict[str, str]
          ) -> tuple[str, str | None, str | None, dict[str, Any]]:
    values: dict[str, Any] = {}
    owner: str | None = None
    wrong: dict[str, Any] | None = None
    token = TOKEN_ROUTES.get(url_rule.endpoint)
    try:
        for argument in sorted(url_rule.arguments):
            if argument == "token" and token is not None:
                values["token"] = tokens[token[0]]
                owner = token[1]
                wrong = {"token": WRONG_TOKEN}
                continue
            value = value_for(url_rule.endpoint, argument)
            if value.literal is not None:
                values[argument] = value.literal
                continue
            if value.owner is not None:
                owner = owner or value.owner
            params = {"owner": user_ids[value.owner]} if value.owner else {}
            result = db.session.scalar(sa.text(value.sql), params)
            if result is None:
                raise MissingArgument(f"the demo has no row for {argument!r} of {url_rule.endpoint}: {value.sql}")
            values[argument] = result
    finally:
        db.session.remove()
    url = _build(url_rule, values)
    wrong_url = _build(url_rule, {**values, **wrong}) if wrong is not None else None
    return url, wrong_url, owner, values


def _build(url_rule: UrlRule, values: dict[str, Any]) -> str:
    built = url_rule.build(values, append_unknown=False)
    assert built is not None, (url_rule.rule, values)
    return built[1]
