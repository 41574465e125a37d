"""Registration rules: sign-up in a category, capacity and waiting lists, moderation,
payments, tickets and the delegate's personal data.

Capacity is never read-checked-written in Python. A place is taken by one conditional
UPDATE (``confirmed_count < capacity``) on the category row and, for onsite categories, one
on the conference settings row; a status change (registration or payment) is one conditional
UPDATE on the registration row. On PostgreSQL the row locks serialise competitors; on SQLite
the single writer does. Every function flushes and never commits; mails are queued in the
outbox in the same transaction and leave only if the caller commits.

Lock order (PostgreSQL): every transaction that changes places, waiting-list numbers or a
category's capacity locks the one conference settings row first (:func:`_lock_places`),
and only then category and registration rows. A promotion run touches several categories
and the settings row; two transactions taking them in different orders would deadlock.
With the settings row first they queue there instead, and what they lock after it no
other place-changing transaction holds. Everything else here (profile, approval, payment,
ticket) locks one registration row only, so it cannot close a cycle. A lock not granted
within DATABASE_LOCK_TIMEOUT_MS (or a deadlock all the same) raises
:class:`esof.errors.Busy`, which the views answer with 503 and Retry-After.
"""
from __future__ import annotations

import enum
import hmac
import secrets
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.util import identity_key
from flask import current_app
from flask_babel import force_locale, format_currency
from flask_babel import lazy_gettext as _l

from esof.accounts.models import AuditLog, FeedToken, User, new_login_nonce
from esof.accounts.services import record_audit
from esof.db import utcnow
from esof.errors import (
    Conflict,
    DomainError,
    PermissionDenied,
    RegistrationClosed,
    ValidationFailed,
    busy_on_lock_timeout,
)
from esof.extensions import db
from esof.mail.models import OutboxMessage
from esof.mail.services import queue_mail
from esof.registration import countries, gdpr
from esof.registration.fees import Availability, CategoryState, availability, conference_date, fee_on
from esof.registration.models import (
    PLACE_HOLDING,
    Attendance,
    ConferenceSettings,
    PaymentStatus,
    Registration,
    RegistrationCategory,
    RegistrationStatus,
)
from esof.registration.references import make_payment_reference
from esof.registration.signals import account_erasing, registration_cancelled
from esof.tokens import InvalidToken, make_token, read_token

SETTINGS_ID = 1
TICKET_PURPOSE = "ticket"
DEFAULT_TICKET_MAX_AGE = 400 * 24 * 3600


# --- errors -------------------------------------------------------------------------------

class EmailNotVerified(PermissionDenied):
    default_message = _l("Please confirm your email address before you register.")


class UnknownCategory(ValidationFailed):
    default_message = _l("There is no registration category with this code.")


class CategoryNotOpen(RegistrationClosed):
    default_message = _l("Registration in this category has not opened yet.")


class CategoryClosed(RegistrationClosed):
    default_message = _l("Registration in this category is closed.")


class WrongAccessCode(ValidationFailed):
    default_message = _l("The access code is not correct.")


class ConsentMissing(ValidationFailed):
    default_message = _l("Please agree to the privacy statement to register.")


class UnknownCountry(ValidationFailed):
    default_message = _l("Choose a country from the list.")


class FieldTooLong(ValidationFailed):
    default_message = _l("One of the fields is too long.")


class AlreadyRegistered(Conflict):
    default_message = _l("You are already registered.")

    def __init__(self, registration: Registration | None = None) -> None:
        super().__init__()
        self.registration = registration


class StatusChanged(Conflict):
    default_message = _l("This registration has changed in the meantime. Please look again.")


class CategoryCodeTaken(Conflict):
    default_message = _l("Another category already uses this code.")


class TicketInvalid(DomainError):
    default_message = _l("This ticket is not valid.")


class TicketForged(TicketInvalid):
    default_message = _l("This ticket is not genuine.")


class TicketExpired(TicketInvalid):
    default_message = _l("This ticket has expired.")


class TicketRevoked(TicketInvalid):
    default_message = _l("This ticket has been replaced or cancelled.")


# --- settings and categories ------------------------------------------------------------

def conference_settings() -> ConferenceSettings:
    """The one settings row (the migration inserts it; created here if it is missing)."""
    settings = db.session.get(ConferenceSettings, SETTINGS_ID)
    if settings is None:
        settings = ConferenceSettings(id=SETTINGS_ID, onsite_confirmed=0, waitlist_issued=0)
        db.session.add(settings)
        db.session.flush()
    return settings


def list_categories() -> list[RegistrationCategory]:
    return list(
        db.session.scalars(
            sa.select(RegistrationCategory).order_by(RegistrationCategory.sort_order, RegistrationCategory.id)
        )
    )


def find_category(code: str) -> RegistrationCategory:
    category = db.session.scalar(
        sa.select(RegistrationCategory).where(RegistrationCategory.code == (code or "").strip())
    )
    if category is None:
        raise UnknownCategory()
    return category


def category_label(category: RegistrationCategory, language: str) -> str:
    return category.name_nl if language == "nl" and category.name_nl else category.name


def _waiting_counts() -> dict[int, int]:
    rows = db.session.execute(
        sa.select(Registration.category_id, sa.func.count())
        .where(Registration.status == RegistrationStatus.WAITLISTED)
        .group_by(Registration.category_id)
    )
    return {category_id: count for category_id, count in rows}


def _category_state(
    category: RegistrationCategory, settings: ConferenceSettings, waiting: int
) -> CategoryState:
    return CategoryState(
        opens_at=category.opens_at,
        closes_at=category.closes_at,
        capacity=category.capacity,
        places_taken=category.confirmed_count,
        onsite=category.attendance == Attendance.ONSITE,
        onsite_cap=settings.onsite_cap,
        onsite_taken=settings.onsite_confirmed,
        waiting=waiting,
    )


def today_in_conference_zone(now: datetime | None = None) -> date:
    return conference_date(now or utcnow(), current_app.config["CONFERENCE_TIMEZONE"])


def fee_for(category: RegistrationCategory, today: date) -> int:
    return fee_on(
        fee_cents=category.fee_cents,
        early_fee_cents=category.early_fee_cents,
        early_deadline=category.early_deadline,
        today=today,
    )


@dataclass(frozen=True)
class CategoryOffer:
    category: RegistrationCategory
    availability: Availability
    fee_cents: int
    early_bird: bool

    @property
    def can_register(self) -> bool:
        return self.availability in (Availability.OPEN, Availability.FULL)


def category_offers(now: datetime | None = None) -> list[CategoryOffer]:
    """Every category with what a delegate sees now: open, full (waiting list), closed ..."""
    now = now or utcnow()
    today = today_in_conference_zone(now)
    settings = conference_settings()
    waiting = _waiting_counts()
    offers = []
    for category in list_categories():
        fee = fee_for(category, today)
        offers.append(
            CategoryOffer(
                category=category,
                availability=availability(_category_state(category, settings, waiting.get(category.id, 0)), now),
                fee_cents=fee,
                early_bird=fee != category.fee_cents,
            )
        )
    return offers


# --- places: the atomic part -------------------------------------------------------------

def _lock_places() -> ConferenceSettings:
    """Hold the conference settings row for the rest of the transaction, and return it fresh.

    Taken before any category or registration row by everything that changes places, so
    all such transactions queue here in one order and never deadlock (SQLite ignores the
    FOR clause; its single writer already serialises them). FOR NO KEY UPDATE, the lock an
    UPDATE takes anyway, leaves foreign-key checks of inserts unblocked.
    """
    settings = db.session.scalar(
        sa.select(ConferenceSettings)
        .where(ConferenceSettings.id == SETTINGS_ID)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    return settings if settings is not None else conference_settings()


class Claim(enum.Enum):
    TAKEN = "taken"
    CATEGORY_FULL = "category-full"
    ONSITE_FULL = "onsite-full"


def _claim_place(category_id: int, attendance: Attendance) -> Claim:
    """Take one place in the category (and the onsite cap), or none at all.

    The caller holds _lock_places(), so the settings row is already ours when the category
    row is locked here."""
    taken = db.session.execute(
        sa.update(RegistrationCategory)
        .where(
            RegistrationCategory.id == category_id,
            sa.or_(
                RegistrationCategory.capacity.is_(None),
                RegistrationCategory.confirmed_count < RegistrationCategory.capacity,
            ),
        )
        .values(confirmed_count=RegistrationCategory.confirmed_count + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken != 1:
        return Claim.CATEGORY_FULL
    if attendance == Attendance.ONSITE:
        seat = db.session.execute(
            sa.update(ConferenceSettings)
            .where(
                ConferenceSettings.id == SETTINGS_ID,
                sa.or_(
                    ConferenceSettings.onsite_cap.is_(None),
                    ConferenceSettings.onsite_confirmed < ConferenceSettings.onsite_cap,
                ),
            )
            .values(onsite_confirmed=ConferenceSettings.onsite_confirmed + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
        if seat != 1:
            _change_category_count(category_id, -1)
            return Claim.ONSITE_FULL
    _expire_counters()
    return Claim.TAKEN


def _release_place(category_id: int, attendance: Attendance) -> None:
    _change_category_count(category_id, -1)
    if attendance == Attendance.ONSITE:
        db.session.execute(
            sa.update(ConferenceSettings)
            .where(ConferenceSettings.id == SETTINGS_ID)
            .values(onsite_confirmed=ConferenceSettings.onsite_confirmed - 1)
            .execution_options(synchronize_session=False)
        )
    _expire_counters()


def _change_category_count(category_id: int, delta: int) -> None:
    db.session.execute(
        sa.update(RegistrationCategory)
        .where(RegistrationCategory.id == category_id)
        .values(confirmed_count=RegistrationCategory.confirmed_count + delta)
        .execution_options(synchronize_session=False)
    )


def _expire_counters() -> None:
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, RegistrationCategory):
            db.session.expire(obj, ["confirmed_count"])
        elif isinstance(obj, ConferenceSettings):
            db.session.expire(obj, ["onsite_confirmed", "waitlist_issued"])


def _next_waitlist_number() -> int:
    conference_settings()
    number = db.session.execute(
        sa.update(ConferenceSettings)
        .where(ConferenceSettings.id == SETTINGS_ID)
        .values(waitlist_issued=ConferenceSettings.waitlist_issued + 1)
        .returning(ConferenceSettings.waitlist_issued)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    _expire_counters()
    return number


def _transition(
    registration_id: int,
    from_statuses: tuple[RegistrationStatus, ...],
    to_status: RegistrationStatus,
    **values: Any,
) -> bool:
    """Move a registration between statuses only if it is still in one of `from_statuses`."""
    moved = db.session.execute(
        sa.update(Registration)
        .where(Registration.id == registration_id, Registration.status.in_(from_statuses))
        .values(status=to_status, updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    registration = db.session.identity_map.get(identity_key(Registration, registration_id))
    if registration is not None:
        db.session.expire(registration)
    return moved == 1


def waitlist_rank(registration: Registration) -> int | None:
    """1 for the first person waiting in the registration's category."""
    if registration.status != RegistrationStatus.WAITLISTED or registration.waitlist_position is None:
        return None
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Registration)
        .where(
            Registration.status == RegistrationStatus.WAITLISTED,
            Registration.category_id == registration.category_id,
            Registration.waitlist_position <= registration.waitlist_position,
        )
    )


@busy_on_lock_timeout()
def promote_waitlisted(*, now: datetime | None = None) -> list[Registration]:
    """Give free places to waiting delegates in the order they joined; mail each of them."""
    now = now or utcnow()
    _lock_places()  # before any category row: see the module's lock order
    promoted: list[Registration] = []
    full: set[int] = set()
    onsite_full = False
    waiting = db.session.execute(
        sa.select(Registration.id, Registration.category_id, Registration.attendance)
        .where(Registration.status == RegistrationStatus.WAITLISTED)
        .order_by(Registration.waitlist_position)
    ).all()
    for registration_id, category_id, attendance in waiting:
        if category_id in full or (attendance == Attendance.ONSITE and onsite_full):
            continue
        claim = _claim_place(category_id, attendance)
        if claim is Claim.CATEGORY_FULL:
            full.add(category_id)
            continue
        if claim is Claim.ONSITE_FULL:
            onsite_full = True
            continue
        category = db.session.get(RegistrationCategory, category_id)
        target = RegistrationStatus.AWAITING_APPROVAL if category.moderated else RegistrationStatus.CONFIRMED
        extra = {"confirmed_at": now} if target == RegistrationStatus.CONFIRMED else {}
        if not _transition(registration_id, (RegistrationStatus.WAITLISTED,), target, **extra):
            _release_place(category_id, attendance)  # someone else moved it first
            continue
        registration = db.session.get(Registration, registration_id)
        _send_mail(registration, "registration_promoted")
        promoted.append(registration)
    return promoted


# --- delegates ---------------------------------------------------------------------------

@dataclass
class DelegateProfile:
    first_name: str
    last_name: str
    affiliation: str = ""
    country: str = ""
    dietary_needs: str = ""
    accessibility_needs: str = ""
    public_listing: bool = False

    def cleaned(self) -> DelegateProfile:
        text = {k: (v or "").strip() for k, v in asdict(self).items() if k != "public_listing"}
        text["country"] = text["country"].upper()
        return DelegateProfile(**text, public_listing=bool(self.public_listing))


PROFILE_LIMITS = {
    "first_name": 100, "last_name": 100, "affiliation": 200,
    "dietary_needs": 500, "accessibility_needs": 500,
}


def check_profile(profile: DelegateProfile) -> DelegateProfile:
    profile = profile.cleaned()
    if not profile.first_name or not profile.last_name:
        raise ValidationFailed(str(_l("Please give your first and last name.")))
    for name, limit in PROFILE_LIMITS.items():
        if len(getattr(profile, name)) > limit:
            raise FieldTooLong()
    if not countries.is_country_code(profile.country):
        raise UnknownCountry()
    return profile


def active_registration_for(user: User) -> Registration | None:
    return db.session.scalar(
        sa.select(Registration).where(
            Registration.user_id == user.id, Registration.status != RegistrationStatus.CANCELLED
        )
    )


def _new_payment_reference() -> str:
    for _ in range(10):
        reference = make_payment_reference()
        taken = db.session.scalar(sa.select(Registration.id).where(Registration.payment_reference == reference))
        if taken is None:
            return reference
    raise Conflict()


@busy_on_lock_timeout()
def register_delegate(
    *,
    user: User,
    category_code: str,
    profile: DelegateProfile,
    consent: bool,
    access_code: str = "",
    now: datetime | None = None,
) -> Registration:
    """Register a verified user: confirmed, waitlisted or awaiting approval.

    A second registration (double submit, two tabs) raises AlreadyRegistered; when two
    requests race, the database's partial unique index decides and the loser's
    transaction must be rolled back (the error handler does it).
    """
    now = now or utcnow()
    if not user.is_verified:
        raise EmailNotVerified()
    category = find_category(category_code)
    settings = conference_settings()
    state = _category_state(category, settings, 0)
    seen = availability(state, now)
    if seen is Availability.NOT_YET_OPEN:
        raise CategoryNotOpen()
    if seen is Availability.CLOSED:
        raise CategoryClosed()
    if category.access_code and not hmac.compare_digest(
        (access_code or "").strip().encode(), category.access_code.encode()
    ):
        raise WrongAccessCode()
    profile = check_profile(profile)
    if not consent:
        raise ConsentMissing()
    existing = active_registration_for(user)
    if existing is not None:
        raise AlreadyRegistered(existing)

    amount = fee_for(category, today_in_conference_zone(now))
    registration = Registration(
        user=user,
        category=category,
        attendance=category.attendance,
        status=RegistrationStatus.WAITLISTED,
        **asdict(profile),
        consent_version=current_app.config["PRIVACY_STATEMENT_VERSION"],
        consent_at=now,
        amount_due_cents=amount,
        payment_status=PaymentStatus.PENDING if amount > 0 else PaymentStatus.WAIVED,
        payment_reference=_new_payment_reference(),
        ticket_nonce=secrets.token_hex(16),
        created_at=now,
    )
    # From here on places and waiting-list numbers change: settings row first. Holding it
    # also makes the queue check below see every waiting person committed before us.
    _lock_places()
    db.session.add(registration)
    try:
        db.session.flush()
    except sa.exc.IntegrityError as exc:
        if "registration.user_id" in str(exc.orig) or "uq_registration_active_user" in str(exc.orig):
            raise AlreadyRegistered() from exc
        raise

    # Nobody jumps the queue: with people waiting in this category, newcomers wait too.
    queue_exists = db.session.scalar(
        sa.select(Registration.id).where(
            Registration.category_id == category.id,
            Registration.status == RegistrationStatus.WAITLISTED,
            Registration.id != registration.id,
        ).limit(1)
    )
    claim = Claim.CATEGORY_FULL if queue_exists else _claim_place(category.id, category.attendance)
    if claim is Claim.TAKEN and category.moderated:
        registration.status = RegistrationStatus.AWAITING_APPROVAL
        template = "registration_awaiting_approval"
    elif claim is Claim.TAKEN:
        registration.status = RegistrationStatus.CONFIRMED
        registration.confirmed_at = now
        template = "registration_confirmed"
    else:
        registration.waitlist_position = _next_waitlist_number()
        template = "registration_waitlisted"
    db.session.flush()
    _send_mail(registration, template)
    return registration


@busy_on_lock_timeout()
def update_profile(*, registration: Registration, profile: DelegateProfile, actor: User) -> Registration:
    if not registration.is_active:
        raise StatusChanged()
    profile = check_profile(profile)
    for name, value in asdict(profile).items():
        setattr(registration, name, value)
    if actor.id != registration.user_id:
        record_audit(actor, "registration-edit", registration)
    db.session.flush()
    return registration


@busy_on_lock_timeout()
def cancel_registration(
    *,
    registration: Registration,
    actor: User | None,
    reason: str = "delegate",
    notify: bool = True,
    now: datetime | None = None,
) -> list[Registration]:
    """Cancel; a released place goes to the next person waiting. Returns who was promoted."""
    now = now or utcnow()
    _lock_places()  # before the registration and category rows: see the module's lock order
    db.session.refresh(registration, with_for_update=True)
    previous = registration.status
    if previous == RegistrationStatus.CANCELLED:
        raise StatusChanged()
    if not _transition(
        registration.id, (previous,), RegistrationStatus.CANCELLED, cancelled_at=now, cancel_reason=reason
    ):
        raise StatusChanged()
    if previous in PLACE_HOLDING:
        _release_place(registration.category_id, registration.attendance)
    if registration.user is not None:
        registration_cancelled.send(registration.user)
    if actor is not None and actor.id != registration.user_id:
        record_audit(actor, "registration-cancel", registration, previous=previous.value)
    if notify:
        _send_mail(registration, "registration_rejected" if reason == "rejected" else "registration_cancelled")
    return promote_waitlisted(now=now) if previous in PLACE_HOLDING else []


# --- organisers --------------------------------------------------------------------------

@busy_on_lock_timeout()
def approve_registration(*, registration: Registration, actor: User, now: datetime | None = None) -> Registration:
    now = now or utcnow()
    if not _transition(
        registration.id, (RegistrationStatus.AWAITING_APPROVAL,), RegistrationStatus.CONFIRMED, confirmed_at=now
    ):
        raise StatusChanged()
    record_audit(actor, "registration-approve", registration)
    _send_mail(registration, "registration_confirmed")
    return registration


@busy_on_lock_timeout()
def reject_registration(*, registration: Registration, actor: User) -> list[Registration]:
    if registration.status != RegistrationStatus.AWAITING_APPROVAL:
        raise StatusChanged()
    record_audit(actor, "registration-reject", registration)
    return cancel_registration(registration=registration, actor=None, reason="rejected")


@busy_on_lock_timeout()
def set_payment_status(
    *, registration: Registration, status: PaymentStatus, actor: User, seen: PaymentStatus | None = None,
    now: datetime | None = None,
) -> Registration:
    """Move the payment status on from the one the organiser saw (`seen`, else the one this
    request read), in one conditional UPDATE.

    Two organisers marking the same registration paid at once: the first change counts (one
    audit entry, one mail); the other finds it already made and changes nothing. If the
    status meanwhile became something else, StatusChanged: the organiser should look again.
    """
    previous = seen or registration.payment_status
    if previous == status and registration.payment_status == status:
        return registration
    moved = db.session.execute(
        sa.update(Registration)
        .where(Registration.id == registration.id, Registration.payment_status == previous)
        .values(
            payment_status=status,
            paid_at=(now or utcnow()) if status == PaymentStatus.PAID else None,
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(registration)
    if moved != 1:
        if registration.payment_status == status:
            return registration  # someone else made the same change first
        raise StatusChanged()
    record_audit(actor, "registration-payment", registration, previous=previous.value, status=status.value)
    db.session.flush()
    if status == PaymentStatus.PAID:
        _send_mail(registration, "payment_received")
    return registration


CATEGORY_FIELDS = (
    "code", "name", "name_nl", "description", "fee_cents", "early_fee_cents", "early_deadline",
    "opens_at", "closes_at", "capacity", "moderated", "access_code", "attendance", "sort_order",
)


@busy_on_lock_timeout()
def save_category(
    *, actor: User, category: RegistrationCategory | None = None, **values: Any
) -> RegistrationCategory:
    """Create or change a category; more capacity promotes people from its waiting list."""
    unknown = set(values) - set(CATEGORY_FIELDS)
    if unknown:
        raise ValidationFailed(f"unknown fields {sorted(unknown)}")
    code = (values.get("code") or (category.code if category else "")).strip()
    clash = db.session.scalar(
        sa.select(RegistrationCategory.id).where(
            RegistrationCategory.code == code,
            RegistrationCategory.id != (category.id if category else -1),
        )
    )
    if clash is not None:
        raise CategoryCodeTaken()
    if values.get("access_code") == "":
        values["access_code"] = None
    creating = category is None
    _lock_places()  # a larger capacity promotes: settings row before the category row
    if category is not None:
        # Compare with the capacity as it is now, not as the organiser's page showed it.
        db.session.refresh(category, with_for_update={"key_share": True})
    else:
        category = RegistrationCategory(confirmed_count=0, attendance=values.get("attendance", Attendance.ONSITE))
        db.session.add(category)
    before = {name: getattr(category, name, None) for name in CATEGORY_FIELDS}
    for name, value in values.items():
        setattr(category, name, value)
    db.session.flush()
    changed = {
        name: str(values[name]) for name in values if before.get(name) != values[name] and name != "access_code"
    }
    record_audit(actor, "category-create" if creating else "category-edit", category, **changed)
    if not creating and "capacity" in values and _more_room(before["capacity"], values["capacity"]):
        promote_waitlisted()
    return category


def _more_room(before: int | None, after: int | None) -> bool:
    return after is None and before is not None or (before is not None and after is not None and after > before)


@busy_on_lock_timeout()
def set_onsite_cap(*, cap: int | None, actor: User) -> ConferenceSettings:
    if cap is not None and cap < 0:
        raise ValidationFailed()
    settings = _lock_places()
    before = settings.onsite_cap
    settings.onsite_cap = cap
    db.session.flush()
    record_audit(actor, "onsite-cap", settings, before=before, after=cap)
    if _more_room(before, cap):
        promote_waitlisted()
    return settings


# --- tickets -----------------------------------------------------------------------------

def ticket_token(registration: Registration) -> str:
    """Signed with SECRET_KEY; carries the registration id and its random ticket nonce."""
    return make_token(TICKET_PURPOSE, {"r": registration.id, "n": registration.ticket_nonce})


def verify_ticket_token(token: str, *, max_age: int | None = None) -> Registration:
    """The confirmed registration a scanned ticket belongs to, or TicketForged/Expired/Revoked."""
    limit = max_age if max_age is not None else current_app.config.get("TICKET_MAX_AGE", DEFAULT_TICKET_MAX_AGE)
    try:
        payload = read_token(TICKET_PURPOSE, (token or "").strip(), limit)
    except InvalidToken as exc:
        raise (TicketExpired() if exc.expired else TicketForged()) from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("r"), int):
        raise TicketForged()
    registration = db.session.get(Registration, payload["r"])
    if registration is None:
        raise TicketForged()
    if not hmac.compare_digest(registration.ticket_nonce.encode(), str(payload.get("n")).encode()):
        raise TicketRevoked()
    if registration.status != RegistrationStatus.CONFIRMED:
        raise TicketRevoked()
    return registration


@busy_on_lock_timeout()
def reissue_ticket(*, registration: Registration, actor: User) -> Registration:
    """A new nonce: every earlier token (a lost phone, a shared screenshot) stops working."""
    registration.ticket_nonce = secrets.token_hex(16)
    record_audit(actor, "ticket-reissue", registration)
    db.session.flush()
    return registration


# --- personal data (GDPR) ---------------------------------------------------------------

def _iso(moment: datetime | date | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def registration_as_dict(registration: Registration) -> dict[str, Any]:
    return {
        "id": registration.id,
        "category": registration.category.code,
        "status": registration.status.value,
        "attendance": registration.attendance.value,
        "waitlist_number": registration.waitlist_position,
        "first_name": registration.first_name,
        "last_name": registration.last_name,
        "affiliation": registration.affiliation,
        "country": registration.country,
        "dietary_needs": registration.dietary_needs,
        "accessibility_needs": registration.accessibility_needs,
        "public_listing": registration.public_listing,
        "consent_version": registration.consent_version,
        "consent_at": _iso(registration.consent_at),
        "amount_due_cents": registration.amount_due_cents,
        "payment_status": registration.payment_status.value,
        "payment_reference": registration.payment_reference,
        "paid_at": _iso(registration.paid_at),
        "created_at": _iso(registration.created_at),
        "confirmed_at": _iso(registration.confirmed_at),
        "cancelled_at": _iso(registration.cancelled_at),
    }


def export_personal_data(user: User) -> dict[str, Any]:
    """Everything we hold about the user, as JSON-able data."""
    registrations = db.session.scalars(
        sa.select(Registration).where(Registration.user_id == user.id).order_by(Registration.id)
    )
    mails = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.to_address == user.email).order_by(OutboxMessage.id)
    )
    actions = db.session.scalars(
        sa.select(AuditLog).where(
            sa.or_(AuditLog.actor_id == user.id, sa.and_(AuditLog.target_type == "User", AuditLog.target_id == user.id))
        ).order_by(AuditLog.id)
    )
    return {
        "exported_at": utcnow().isoformat(),
        "account": {
            "email": user.email,
            "display_name": user.display_name,
            "language": user.language,
            "roles": sorted(role.value for role in user.roles),
            "created_at": _iso(user.created_at),
            "email_verified_at": _iso(user.email_verified_at),
            "last_login_at": _iso(user.last_login_at),
        },
        "registrations": [registration_as_dict(r) for r in registrations],
        "mails": [
            {"subject": m.subject, "created_at": _iso(m.created_at), "sent_at": _iso(m.sent_at), "body": m.body_text}
            for m in mails
        ],
        "audit_log": [
            {"action": a.action, "target": a.target_type, "at": _iso(a.created_at)} for a in actions
        ],
        **gdpr.extra_sections(user),
    }


@busy_on_lock_timeout()
def erase_account(*, user: User, now: datetime | None = None) -> None:
    """Erase the user's personal data; anonymous registration rows stay for the statistics.

    The active registration is cancelled first, so its place goes to the next person waiting.
    """
    now = now or utcnow()
    active = active_registration_for(user)
    if active is not None:
        cancel_registration(registration=active, actor=None, reason="erased", notify=False, now=now)
    account_erasing.send(user)
    db.session.execute(
        sa.update(Registration)
        .where(Registration.user_id == user.id)
        .values(
            user_id=None, first_name="", last_name="", affiliation="", dietary_needs="",
            accessibility_needs="", public_listing=False, updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.execute(sa.delete(OutboxMessage).where(OutboxMessage.to_address == user.email))
    db.session.execute(sa.delete(FeedToken).where(FeedToken.user_id == user.id))
    user.email = f"erased-{user.id}@erased.invalid"
    user.password_hash = None
    user.display_name = ""
    user.erased_at = now
    user.is_active_account = False
    user.login_nonce = new_login_nonce()
    user.role_rows.clear()
    record_audit(None, "erase-account", user)
    db.session.flush()
    db.session.expire_all()


# --- mail --------------------------------------------------------------------------------

def registration_link(endpoint: str, **values: Any) -> str:
    """An absolute link on ESOF_BASE_URL that also works outside a request (worker, CLI)."""
    adapter = current_app.url_map.bind("localhost")
    return current_app.config["ESOF_BASE_URL"].rstrip("/") + adapter.build(endpoint, values)


def _send_mail(registration: Registration, template: str) -> None:
    user = registration.user
    if user is None or user.erased_at is not None:
        return
    language = user.language if user.language in current_app.config["LANGUAGES"] else "en"
    with force_locale(language):
        amount = format_currency(registration.amount_due_cents / 100, "EUR")
    queue_mail(
        to=user.email,
        template=template,
        language=language,
        registration=registration,
        name=registration.first_name or user.display_name or user.email,
        category=category_label(registration.category, language),
        amount=amount,
        position=waitlist_rank(registration),
        link=registration_link("registration.registration_detail", registration_id=registration.id),
        ticket_link=registration_link("registration.ticket_detail"),
    )

