"""The demo as the whole-product security tests find it: every persona logged in once, each with
a CSRF token from a page of their own session, the tokens that links in mails carry (made with
the product's own functions), and one queued schedule proposal (the demo has none).

`build_world` writes all that into a copy of the demo database once per test process; a test
then works on a copy of that copy (`SecurityApp.reset` puts a fresh one in place between two
state-changing requests) and makes clients that carry a persona's cookies, so nobody logs in
again and no request can spoil the next."""
from __future__ import annotations

import hashlib
import shutil
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask.testing import FlaskClient

from esof.accounts.models import User
from esof.accounts.services import password_reset_link
from esof.announcements.optout import unsubscribe_url
from esof.cfp.invitations import invitation_token
from esof.cfp.models import ProposalSpeaker
from esof.db import utcnow
from esof.extensions import db
from esof.feeds.services import agenda_token
from esof.programme.optimiser_jobs import start_proposal
from esof.registration.delegates import cancel_registration
from esof.registration.invoicing import issue_invoice_if_due, reissue_invoice
from esof.registration.models import PaymentStatus, Registration, RegistrationStatus
from esof.registration.moderation import set_payment_status
from esof.side_events.models import PartnerInvitation
from esof.side_events.partners import INVITATION_DAYS
from esof.tokens import make_token, random_token, token_hash
from tests.conftest import make_app
from tests.demo_world import IGNORED_COLUMNS, IGNORED_TABLES, PERSONA_LOGINS
from tests.security.urls import INVITED_EDITOR, POST_DATA, MissingArgument, Route, routes
from tests.support import csrf_token_from, log_in

# Not what these tests are about, and a walk of every route trips them: the log-in and mail
# limits have tests of their own (tests/accounts, tests/test_request_limits.py).
APP_OVERRIDES = dict.fromkeys(
    ("RATELIMIT_LOGIN", "RATELIMIT_SIGNUP", "RATELIMIT_PASSWORD_RESET", "RATELIMIT_MAIL_PER_ADDRESS"),
    "100000 per minute")

Cookies = list[tuple[str, str, str, str]]  # key, value, domain, path


@dataclass
class World:
    database: Path  # the demo after the log-ins and tokens: copy it, never change it
    user_ids: dict[str, int]  # persona → user id (anonymous absent)
    roles: dict[str, frozenset[str]]
    registered: frozenset[str]  # personas with a registration
    billed: frozenset[str]  # personas with an invoice, a receipt and a credit note
    cookies: dict[str, Cookies]
    csrf: dict[str, str]
    tokens: dict[str, str]


def _path_token(url: str) -> str:
    return urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1].removesuffix(".ics")


def _make_tokens() -> dict[str, str]:
    delegate = db.session.scalars(sa.select(User).where(User.email == PERSONA_LOGINS["delegate"])).one()
    partner = db.session.scalars(sa.select(User).where(User.email == PERSONA_LOGINS["partner"])).one()
    organiser = db.session.scalars(sa.select(User).where(User.email == PERSONA_LOGINS["organiser"])).one()
    co_speaker = db.session.scalars(
        sa.select(ProposalSpeaker).where(ProposalSpeaker.user_id.is_(None), ProposalSpeaker.nonce != "")
        .order_by(ProposalSpeaker.id)).first()
    assert co_speaker is not None, "the demo has no co-speaker invitation open"
    organisation_id = db.session.scalar(
        sa.text("SELECT min(organisation_id) FROM partner_membership WHERE user_id = :id"), {"id": partner.id})
    editor_token = random_token()
    db.session.add(PartnerInvitation(
        organisation_id=organisation_id, email=INVITED_EDITOR, token_hash=token_hash(editor_token),
        invited_by_id=partner.id, expires_at=utcnow() + timedelta(days=INVITATION_DAYS)))
    tokens = {
        "reset_password": _path_token(password_reset_link(delegate)),
        "verify_email": make_token("verify-email", {"id": delegate.id, "email": delegate.email}),
        "unsubscribe": _path_token(unsubscribe_url(delegate.id)),
        "agenda_feed": agenda_token(delegate),
        "co_speaker": invitation_token(co_speaker),
        "partner_editor": editor_token,
    }
    start_proposal(actor=organiser, mode="minimal-change")
    _arrange_billing(delegate, organiser)
    db.session.commit()
    return tokens


def _arrange_billing(delegate: User, organiser: User) -> None:
    """The small demo waives the delegate personas' fees and refunds nobody. So that the billing
    routes answer with a document rather than "none": the delegate owes a fee, their invoice is
    credited and issued again, then paid (invoice, receipt and credit note); and the organisers
    cancel another person's paid registration (a refund due), through the product's services."""
    registration = db.session.scalars(sa.select(Registration).where(Registration.user_id == delegate.id)).one()
    assert registration.status == RegistrationStatus.CONFIRMED, registration.status
    registration.amount_due_cents, registration.payment_status = 25000, PaymentStatus.PENDING
    db.session.flush()
    assert issue_invoice_if_due(registration) is not None
    assert reissue_invoice(registration=registration, reason="details-changed") is not None
    set_payment_status(registration=registration, status=PaymentStatus.PAID, actor=organiser)
    personas = sa.select(User.id).where(User.email.in_([e for e in PERSONA_LOGINS.values() if e]))
    paid = db.session.scalars(
        sa.select(Registration).where(Registration.status == RegistrationStatus.CONFIRMED,
                                      Registration.payment_status == PaymentStatus.PAID,
                                      Registration.user_id.not_in(personas))
        .order_by(Registration.id).limit(1)).one()
    cancel_registration(registration=paid, actor=organiser, reason="organiser", notify=False)


def build_world(demo_database: Path, directory: Path) -> World:
    database = directory / "security-world.sqlite"
    shutil.copyfile(demo_database, database)
    app = make_app(f"sqlite:///{database}", **APP_OVERRIDES)
    cookies: dict[str, Cookies] = {}
    csrf: dict[str, str] = {}
    with app.app_context(), app.test_request_context(base_url="http://esof.test"):
        tokens = _make_tokens()
        user_ids = {persona: int(db.session.scalar(sa.text("SELECT id FROM user_account WHERE email = :e"),
                                                  {"e": email}))
                    for persona, email in PERSONA_LOGINS.items() if email is not None}
        roles = {persona: frozenset(db.session.scalars(sa.text("SELECT role FROM user_role WHERE user_id = :id"),
                                                       {"id": user_id}))
                 for persona, user_id in user_ids.items()}
        registered = frozenset(
            persona for persona, user_id in user_ids.items()
            if db.session.scalar(sa.text("SELECT count(*) FROM registration WHERE user_id = :id"), {"id": user_id}))
        billed = frozenset(
            persona for persona, user_id in user_ids.items()
            if db.session.scalar(sa.text("SELECT count(DISTINCT d.kind) FROM billing_document d JOIN registration r"
                                         " ON r.id = d.registration_id WHERE r.user_id = :id"
                                         " AND r.payment_status = 'paid'"), {"id": user_id}) == 2)
        assert billed == {"delegate"}, billed
        db.session.remove()
    with app.app_context():
        for persona, email in PERSONA_LOGINS.items():
            client = app.test_client()
            if email is not None:
                log_in(client, email)
            page = client.get("/account/login" if email is None else "/")
            csrf[persona] = csrf_token_from(page.get_data(as_text=True))
            cookies[persona] = [(c.key, c.value, c.domain, c.path) for c in client._cookies.values()]
        db.session.remove()
        db.engine.dispose()
    return World(database, user_ids, roles, registered, billed, cookies, csrf, tokens)


def changed_tables(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))


class SecurityApp:
    """One app on a copy of the world's database, for one test process."""

    def __init__(self, world: World, directory: Path) -> None:
        self.world = world
        self.database = directory / "security-app.sqlite"
        shutil.copyfile(world.database, self.database)
        self.app = make_app(f"sqlite:///{self.database}", **APP_OVERRIDES)
        self.requests = 0
        self._routes: dict[str, Route | MissingArgument] | None = None
        # The digest is read on a connection of its own; PRAGMA data_version on it changes only
        # when another connection (the app's) commits, so an unchanged file is not read again.
        self._reader: sqlite3.Connection | None = None
        self._digest: tuple[int, dict[str, str]] | None = None
        self._world_digest: dict[str, str] | None = None

    def route(self, route_id: str) -> Route:
        """The route of the map with real ids (built once, from the world's database)."""
        if self._routes is None:
            self._routes = routes(self.app, self.world.user_ids, self.world.tokens)
        found = self._routes.get(route_id)
        if found is None:
            raise LookupError(f"{route_id} is not in the URL map of the demo app")
        if isinstance(found, MissingArgument):
            raise found
        return found

    def reset(self) -> None:
        """A fresh copy of the world under the same app."""
        if self._world_digest is None:
            self._world_digest = _digest_of(self.world.database)
        db.session.remove()
        db.engine.dispose()
        self._close_reader()
        shutil.copyfile(self.world.database, self.database)
        self._digest = (self._data_version(), self._world_digest)

    def _data_version(self) -> int:
        if self._reader is None:
            self._reader = sqlite3.connect(self.database)
        return int(self._reader.execute("PRAGMA data_version").fetchone()[0])

    def _close_reader(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        self._digest = None

    def client(self, persona: str) -> FlaskClient:
        client = self.app.test_client()
        for key, value, domain, path in self.world.cookies[persona]:
            client.set_cookie(key, value, domain=domain, path=path)
        return client

    def request(self, persona: str, method: str, url: str, *, csrf: str | None = "session", endpoint: str = "",
                **kwargs: object) -> tuple[int, str]:
        """The status and the Location of one request as `persona`; a state-changing one sends
        the persona's CSRF token unless told otherwise (None: none, any other text: that)."""
        status, location, _body = self.answer(persona, method, url, csrf=csrf, endpoint=endpoint, **kwargs)
        return status, location

    def answer(self, persona: str, method: str, url: str, *, csrf: str | None = "session", endpoint: str = "",
               **kwargs: object) -> tuple[int, str, str]:
        """`request`, and the body as text."""
        client = self.client(persona)
        if method != "GET":
            token = self.world.csrf[persona] if csrf == "session" else csrf
            data = {"csrf_token": token} if token is not None else {}
            kwargs.setdefault("data", {**data, **POST_DATA.get(endpoint, {})})
        self.requests += 1
        response = client.open(url, method=method, **kwargs)  # type: ignore[arg-type]
        body = response.get_data().decode("utf-8", "replace")  # PDFs and images too
        found = response.status_code, response.headers.get("Location", ""), body
        response.close()
        db.session.remove()
        return found

    def digest(self) -> dict[str, str]:
        """Each table's rows as one hash (tests.demo_world's ignored tables and columns aside),
        read straight from the SQLite file: a tenth of the time of tests.demo_world.snapshot,
        and nothing at all while no request committed."""
        db.session.remove()
        version = self._data_version()
        if self._digest is None or self._digest[0] != version:
            assert self._reader is not None
            self._digest = (version, _digest_on(self._reader))
        return self._digest[1]

    def close(self) -> None:
        db.session.remove()
        db.engine.dispose()
        self._close_reader()


def _digest_of(path: Path) -> dict[str, str]:
    with closing(sqlite3.connect(path)) as connection:
        return _digest_on(connection)


def _digest_on(connection: sqlite3.Connection) -> dict[str, str]:
    found = {}
    names = [row[0] for row in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    for name in names:
        if name in IGNORED_TABLES:
            continue
        columns = [row[1] for row in connection.execute(f'PRAGMA table_info("{name}")')
                   if row[1] not in IGNORED_COLUMNS]
        listed = ", ".join(f'"{c}"' for c in columns)
        rows = connection.execute(f'SELECT {listed} FROM "{name}" ORDER BY {listed}')
        found[name] = hashlib.sha256(repr(rows.fetchall()).encode()).hexdigest()
    return found

