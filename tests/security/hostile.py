"""Hostile input for every form and query parameter: the values (hypothesis strategies), and
the product's forms and query parameters as the demo's people find them.

`crawl(demo_database)` opens, as every persona, every GET page of the URL map without URL
arguments and every page whose arguments the demo has ids for, and keeps each POST form (its
action, the fields a browser sends) and the query-parameter names the page offers (GET forms,
links with a query string). The form and query tests use one crawl per test process."""
from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import sqlalchemy as sa
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Rule

from esof.extensions import db
from tests.conftest import make_app
from tests.demo_world import PERSONA_LOGINS, FormReader
from tests.support import log_in

# ---------------------------------------------------------------------------------------------
# The values.

CONTROL_CHARACTERS = "".join(chr(c) for c in (*range(0, 9), 11, 12, *range(14, 32), 127))
NASTY_TEXT = (
    "\x00", "a\x00b", "\x1b[31mred", "\u202egnp.exe", "\u200d\u200c\u2060", "👩‍👩‍👧‍👦🏳️‍🌈",
    "line\r\nbreak", "\r\n\r\n", "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>",
    "' OR '1'='1", "'; DROP TABLE registration; --", "%00", "%ff%fe", "\\", "{{ 7*7 }}", " ",
    "\t", "=HYPERLINK(\"http://x\")", "\ufeff", "\ud7ff\ue000\uffff", "ß" * 3,
)
NUMBERS = ("-1", "0", "-0", "2147483648", str(2**63), str(-(2**63) - 1), "1e309", "-1e309", "NaN",
           "Infinity", "-Infinity", "0x10", "1_000", "١٢", "3.14159", "1,5", "99999999999999999999")
DATES = ("0001-01-01", "9999-12-31", "1969-12-31", "2022-02-30", "2022-13-01", "22-07-13",
         "2022-7-3", "13/07/2022", "2022-07-13T10:00", "+2022-07-13", "2022-W28")
TIMES = ("25:61", "2:3", "24:00", "-01:00", "10:00:60", "10.30", "1030")
# Wall-clock times that do not exist (the spring gap) or exist twice (the autumn repeat) in
# Europe/Amsterdam, in the shapes the forms take: a date, a datetime-local, a time.
CLOCK_CHANGES = ("2022-03-27T02:30", "2022-10-30T02:30", "2022-03-27 02:30", "2022-10-30 02:30",
                 "2022-03-27", "2022-10-30", "02:30")


def huge_text() -> st.SearchStrategy[str]:
    """10k to 100k characters: one repeated run, or a short hostile text repeated."""
    return st.builds(
        lambda unit, n: (unit * (n // len(unit) + 1))[:n],
        st.sampled_from(("x", "é", "👍", "<b>", "a\x00", "\u202e")),
        st.integers(min_value=10_000, max_value=100_000),
    )


def hostile_text() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(NASTY_TEXT),
        st.text(alphabet=st.sampled_from(CONTROL_CHARACTERS + "a<>'\"&;\u202e\u200d"), min_size=1, max_size=20),
        # Any code point a UTF-8 form can carry (no lone surrogates: those cannot be encoded).
        st.text(alphabet=st.characters(exclude_categories=("Cs",)), min_size=1, max_size=40),
        huge_text(),
    )


def hostile_value() -> st.SearchStrategy[str]:
    """One value for one field: text, a number, a date or a time out of bounds."""
    return st.one_of(
        hostile_text(),
        st.sampled_from(NUMBERS),
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        st.sampled_from(DATES + TIMES + CLOCK_CHANGES),
    )


@dataclass(frozen=True)
class Change:
    """What one example does to a form: a field replaced, repeated, or left out."""

    kind: str  # "replace", "repeat" or "drop"
    name: str
    value: str = ""


def form_changes(names: list[str]) -> st.SearchStrategy[list[Change]]:
    """One to three changes to the fields a browser would send (never to the CSRF token)."""
    one = st.one_of(
        st.builds(Change, st.just("replace"), st.sampled_from(names), hostile_value()),
        st.builds(Change, st.just("repeat"), st.sampled_from(names), hostile_value()),
        st.builds(Change, st.just("drop"), st.sampled_from(names)),
    )
    return st.lists(one, min_size=1, max_size=3)


def apply_changes(fields: list[tuple[str, str]], changes: list[Change]) -> MultiDict:
    """The page's own values with the changes made; the CSRF token stays as the page gave it."""
    sent = list(fields)
    for change in changes:
        if change.kind == "drop":
            sent = [(n, v) for n, v in sent if n != change.name]
        elif change.kind == "repeat":
            sent.append((change.name, change.value))
        else:
            at = next((i for i, (n, _v) in enumerate(sent) if n == change.name), None)
            sent = [(n, v) for n, v in sent if n != change.name]
            sent.insert(len(sent) if at is None else at, (change.name, change.value))
    return MultiDict(sent)


def query_string(pairs: list[tuple[str, str]], raw: list[str]) -> str:
    """Pairs percent-encoded as UTF-8, plus raw pieces sent as they are (invalid escapes)."""
    encoded = [f"{quote(n, safe='')}={quote(v, safe='')}" for n, v in pairs]
    return "&".join(encoded + raw)


RAW_QUERY_PIECES = ("q=%ff%fe", "page=%00", "%ff=1", "day=%c0%ae", "=", "&&", "lang=%e2%80%ae",
                    "per_page", "q=%", "q=%zz")


def query_changes(names: list[str]) -> st.SearchStrategy[tuple[list[tuple[str, str]], list[str]]]:
    """Parameters of the page, each once or twice, with hostile values; maybe a raw piece."""
    return st.tuples(
        st.lists(st.tuples(st.sampled_from(names), hostile_value()), min_size=1, max_size=3),
        st.lists(st.sampled_from(RAW_QUERY_PIECES), max_size=1),
    )


# ---------------------------------------------------------------------------------------------
# What the product answers.

# A field's or the form's error, a flashed error or warning, an error page; or the page that
# asks to confirm a deletion first (it says what will be lost).
MESSAGE_MARKERS = ('class="error"', "error-summary", "flash-error", "flash-warning", 'role="alert"',
                   '<p class="note">Error code', '<p class="note">Foutcode', 'class="form confirm-form"')


def shows_a_message(html: str) -> bool:
    return any(marker in html for marker in MESSAGE_MARKERS)


def new_text(before: dict[str, list[tuple]], after: dict[str, list[tuple]]) -> list[str]:
    """Every text cell of the rows a request added or changed (snapshot() digests)."""
    found = []
    for name, rows in after.items():
        old = set(map(repr, before.get(name, [])))  # rows may hold JSON (dicts)
        found += [cell for row in rows if repr(row) not in old for cell in row if isinstance(cell, str)]
    return found


def stored_problems(sent: MultiDict, before: dict[str, list[tuple]], after: dict[str, list[tuple]]) -> list[str]:
    """What an accepted form stored that it should not have: a NUL byte or another control
    character than tab and line breaks, or a value cut short without a message."""
    cells = new_text(before, after)
    problems = [f"stored a control character: {cell[:80]!r}" for cell in cells
                if any(c in CONTROL_CHARACTERS for c in cell)]
    for value in set(sent.values()):
        wanted = value.replace("\r\n", "\n").strip()
        if len(wanted) < 200:
            continue
        for cell in cells:
            if len(cell) >= 20 and cell != wanted and wanted.startswith(cell.rstrip("…")):
                problems.append(f"stored {len(cell)} of the {len(wanted)} characters sent")
    return problems


# ---------------------------------------------------------------------------------------------
# The forms and query parameters of the demo, as each persona finds them.

# Pages that are not HTML (files, feeds, machine answers) have neither forms nor query
# parameters a person types; their own tests read them.
NOT_HTML = (".pdf", ".csv", ".json", ".ics", ".svg", ".atom", ".css", ".js", ".webmanifest")

# The demo's ids for URL arguments: SQL run with the persona's email, first the one they own,
# else any. Arguments without a row here (tokens) are only reached through the links of pages.
ARGUMENT_IDS: dict[str, tuple[str, ...]] = {
    "registration_id": (
        "SELECT min(r.id) FROM registration r JOIN user_account u ON u.id = r.user_id WHERE u.email = :email",
        "SELECT min(id) FROM registration WHERE status = 'confirmed'"),
    "event_id": (
        "SELECT min(e.id) FROM side_event e JOIN partner_membership m ON m.organisation_id = e.organisation_id"
        " JOIN user_account u ON u.id = m.user_id WHERE u.email = :email AND e.state = 'approved'",
        "SELECT min(id) FROM side_event WHERE state = 'approved'"),
    "organisation_id": (
        "SELECT min(m.organisation_id) FROM partner_membership m JOIN user_account u ON u.id = m.user_id"
        " WHERE u.email = :email", "SELECT min(id) FROM partner_organisation"),
    "proposal_id": (
        "SELECT min(p.id) FROM cfp_proposal p JOIN user_account u ON u.id = p.submitter_id"
        " WHERE u.email = :email AND p.state IN ('draft', 'submitted')",
        "SELECT min(id) FROM cfp_proposal WHERE state = 'submitted'"),
    "session_id": ("SELECT min(id) FROM programme_session",),
    "person_id": ("SELECT min(p.id) FROM person p JOIN user_account u ON u.id = p.user_id WHERE u.email = :email",
                  "SELECT min(id) FROM person"),
    "venue_id": ("SELECT min(id) FROM venue",),
    "room_id": ("SELECT min(id) FROM room",),
    "track_id": ("SELECT min(id) FROM track",),
    "category_id": ("SELECT min(id) FROM registration_category",),
    "question_id": ("SELECT min(id) FROM registration_question",),
    "voucher_id": ("SELECT min(id) FROM voucher",),
    "user_id": ("SELECT min(u.id) FROM user_account u WHERE u.email = 'delegate1@example.org'",),
    "announcement_id": ("SELECT min(id) FROM announcement",),
    "slug": ("SELECT min(slug) FROM venue",),
    "day": ("SELECT '2022-07-14'",),
}


@dataclass
class FormCase:
    """One POST form: where it was found, by whom, and what a browser sends."""

    endpoint: str
    persona: str
    email: str | None
    page: str
    action: str
    fields: list[tuple[str, str]]


@dataclass
class PageCase:
    """One GET page a persona can open, and the query parameters it offers."""

    endpoint: str
    persona: str
    email: str | None
    url: str
    parameters: set[str] = field(default_factory=set)


@dataclass
class Catalogue:
    forms: dict[str, FormCase]
    pages: dict[str, PageCase]
    post_endpoints: set[str]
    get_endpoints: set[str]


class _PageReader(FormReader):
    """A FormReader that also keeps the GET forms' field names and the links' query names."""

    def __init__(self) -> None:
        super().__init__()
        self.get_forms: list[tuple[str, list[tuple[str, str]]]] = []
        self.links: list[str] = []
        self._in_get_form = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag == "form" and a.get("method", "get").lower() == "get":
            # Read as a POST form, then moved to get_forms when it closes.
            self._in_get_form = True
            attrs = [(k, v) for k, v in attrs if k != "method"] + [("method", "post")]
        super().handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        super().handle_endtag(tag)
        if tag == "form" and self._in_get_form:
            self._in_get_form = False
            self.get_forms.append(self.forms.pop())


def page_rules(app) -> list[Rule]:  # type: ignore[no-untyped-def]
    return sorted(
        (r for r in app.url_map.iter_rules()
         if "GET" in (r.methods or ()) and r.endpoint != "static" and not r.rule.endswith(NOT_HTML)),
        key=lambda r: r.rule)


def _argument_value(name: str, email: str | None) -> str | None:
    for sql in ARGUMENT_IDS.get(name, ()):
        value = db.session.scalar(sa.text(sql), {"email": email or ""})
        if value is not None:
            return str(value)
    return None


def endpoint_of(app, path: str, method: str) -> str | None:  # type: ignore[no-untyped-def]
    try:
        endpoint, _args = app.url_map.bind("esof.test").match(urlsplit(path).path, method=method)
    except HTTPException:
        return None
    return str(endpoint)


@cache
def crawl(demo_database: Path) -> Catalogue:
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "crawl.sqlite"
        shutil.copyfile(demo_database, copy)
        app = make_app(f"sqlite:///{copy}")
        with app.app_context():
            try:
                return _crawl(app)
            finally:
                db.session.remove()
                db.engine.dispose()


def _page_url(rule: Rule, email: str | None) -> str | None:
    url = rule.rule
    for name in rule.arguments:
        value = _argument_value(name, email)
        if value is None:
            return None
        url = re.sub(rf"<(?:[^:<>]+:)?{name}>", value, url)
    return url


def _joined(path: str, query: str) -> str:
    return f"{path}?{query}" if query else path


# Who looks: those a form is made for first (a form is kept as the first persona who has it:
# a delegate's own registration, a partner's own event, the organisers' tools as an organiser),
# then the demo's owners of things the personas do not own.
CRAWLERS: dict[str, str | None] = {
    **{persona: PERSONA_LOGINS[persona] for persona in (
        "delegate", "speaker", "reviewer", "partner", "checkin", "organiser", "admin",
        "other delegate", "other partner", "anonymous")},
    "proposal submitter": "SELECT min(u.email) FROM user_account u JOIN cfp_proposal p ON p.submitter_id = u.id"
                          " WHERE p.state IN ('draft', 'submitted')",
    "delegate without registration": "SELECT min(u.email) FROM user_account u WHERE NOT EXISTS"
                                     " (SELECT 1 FROM registration r WHERE r.user_id = u.id)"
                                     " AND NOT EXISTS (SELECT 1 FROM user_role ur WHERE ur.user_id = u.id)",
}
VISITS_PER_ENDPOINT = 3


def _crawl(app) -> Catalogue:  # type: ignore[no-untyped-def]
    forms: dict[str, FormCase] = {}
    pages: dict[str, PageCase] = {}
    rules = page_rules(app)
    html_endpoints = {r.endpoint for r in rules}
    post_endpoints = {r.endpoint for r in app.url_map.iter_rules() if "POST" in (r.methods or ())}
    for persona, login in CRAWLERS.items():
        email = login
        if login and login.startswith("SELECT"):
            email = db.session.scalar(sa.text(login))
            db.session.remove()
        client = app.test_client()
        if email:
            log_in(client, email)
        queue = [url for rule in rules if (url := _page_url(rule, email)) is not None]
        seen: set[str] = set()
        visits: dict[str, int] = {}
        while queue:
            url = queue.pop(0)
            endpoint = endpoint_of(app, url, "GET")
            if url in seen or endpoint not in html_endpoints or visits.get(endpoint, 0) >= VISITS_PER_ENDPOINT:
                continue
            seen.add(url)
            visits[endpoint] = visits.get(endpoint, 0) + 1
            answer = client.get(url)
            if answer.status_code != 200 or answer.mimetype != "text/html":
                continue
            reader = _PageReader()
            reader.feed(answer.get_data(as_text=True))
            page = pages.setdefault(endpoint, PageCase(endpoint, persona, email, url))
            path = urlsplit(url).path
            for action, get_fields in reader.get_forms:
                names = [n for n, _v in get_fields]
                if page.url == url:
                    page.parameters.update(names)
                target = urlsplit(action or path).path
                queue.append(_joined(target, urlencode(get_fields)))
            for href in reader.links:
                parts = urlsplit(href)
                if parts.netloc or not (parts.path or parts.query):
                    continue
                if page.url == url and (not parts.path or parts.path == path):
                    page.parameters.update(n for n, _v in parse_qsl(parts.query, keep_blank_values=True))
                queue.append(_joined(parts.path or path, parts.query))
            for action, fields in reader.forms:
                target = action or url
                if not any(n == "csrf_token" for n, _v in fields):
                    continue
                found = endpoint_of(app, target, "POST")
                if found is not None and found not in forms:
                    forms[found] = FormCase(found, persona, email, url, target, fields)
        db.session.remove()
    return Catalogue(forms, pages, post_endpoints, html_endpoints)
