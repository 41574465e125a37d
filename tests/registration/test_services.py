"""Registration rules through the services, without HTTP."""
from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from esof.accounts.models import AuditLog, Role, User
from esof.db import utcnow
from esof.errors import ValidationFailed
from esof.extensions import db
from esof.mail.models import OutboxMessage
from esof.registration import services
from esof.registration.models import (
    Attendance,
    ConferenceSettings,
    PaymentStatus,
    Registration,
    RegistrationCategory,
    RegistrationStatus,
)
from esof.registration.references import is_valid_payment_reference
from esof.registration.signals import account_erasing
from tests.factories import UserFactory
from tests.registration.factories import CategoryFactory, profile, register


def mails_to(user: User) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.to_address == user.email).order_by(OutboxMessage.id)
        )
    )


def statuses(*registrations: Registration) -> list[RegistrationStatus]:
    for r in registrations:
        db.session.refresh(r)
    return [r.status for r in registrations]


def test_register_confirms_with_fee_reference_consent_and_mail(app) -> None:
    category = CategoryFactory(code="regular", fee_cents=45000)
    user = UserFactory(language="nl")
    registration = register(user, category)
    assert registration.status == RegistrationStatus.CONFIRMED
    assert registration.amount_due_cents == 45000
    assert registration.payment_status == PaymentStatus.PENDING
    assert is_valid_payment_reference(registration.payment_reference)
    assert registration.consent_version == "2022-01"
    assert abs((registration.consent_at - utcnow()).total_seconds()) < 5
    assert category.confirmed_count == 1
    [mail] = mails_to(user)
    assert mail.subject == "Je registratie voor ESOF 2022 is bevestigd"
    assert mail.language == "nl"
    assert registration.payment_reference in mail.body_text and "€\xa0450,00" in mail.body_text
    assert mail.body_html is not None and registration.payment_reference in mail.body_html


def test_register_uses_early_bird_fee_by_amsterdam_date(app) -> None:
    category = CategoryFactory(fee_cents=45000, early_fee_cents=30000, early_deadline=date(2022, 4, 30),
                               opens_at=None, closes_at=None)
    early = register(UserFactory(), category, now=datetime(2022, 4, 30, 21, 59, tzinfo=UTC))
    late = register(UserFactory(), category, now=datetime(2022, 4, 30, 22, 0, tzinfo=UTC))
    assert (early.amount_due_cents, late.amount_due_cents) == (30000, 45000)


def test_register_free_category_needs_no_payment(app) -> None:
    registration = register(UserFactory(), CategoryFactory(fee_cents=0))
    assert (registration.amount_due_cents, registration.payment_status) == (0, PaymentStatus.WAIVED)


def test_register_full_category_waitlists_in_order_with_positions(app) -> None:
    category = CategoryFactory(capacity=1)
    first, second, third = (register(UserFactory(), category) for _ in range(3))
    assert [first.status, second.status, third.status] == [
        RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED, RegistrationStatus.WAITLISTED,
    ]
    assert [services.waitlist_rank(second), services.waitlist_rank(third)] == [1, 2]
    assert "number 2" in mails_to(third.user)[0].body_text


def test_cancel_promotes_next_in_order_and_mails_them(app) -> None:
    category = CategoryFactory(capacity=1)
    first, second, third = (register(UserFactory(), category) for _ in range(3))
    promoted = services.cancel_registration(registration=first, actor=first.user)
    assert promoted == [second]
    assert statuses(first, second, third) == [
        RegistrationStatus.CANCELLED, RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED,
    ]
    assert services.waitlist_rank(third) == 1
    assert db.session.get(RegistrationCategory, category.id).confirmed_count == 1
    assert [m.subject for m in mails_to(second.user)][-1] == "A place at ESOF 2022 is yours"
    assert mails_to(first.user)[-1].subject == "Your ESOF 2022 registration is cancelled"


def test_cancel_of_waitlisted_promotes_nobody_and_keeps_counts(app) -> None:
    category = CategoryFactory(capacity=1)
    first, second = (register(UserFactory(), category) for _ in range(2))
    assert services.cancel_registration(registration=second, actor=second.user) == []
    assert db.session.get(RegistrationCategory, category.id).confirmed_count == 1
    assert statuses(first) == [RegistrationStatus.CONFIRMED]


def test_cancel_twice_is_refused(app) -> None:
    registration = register(UserFactory(), CategoryFactory())
    services.cancel_registration(registration=registration, actor=registration.user)
    with pytest.raises(services.StatusChanged):
        services.cancel_registration(registration=registration, actor=registration.user)


def test_newcomer_does_not_jump_the_waiting_list(app) -> None:
    category = CategoryFactory(capacity=1)
    register(UserFactory(), category)
    waiting = register(UserFactory(), category)
    # An organiser frees a place by hand without promoting (as a crash half-way would).
    category.confirmed_count = 0
    db.session.flush()
    newcomer = register(UserFactory(), category)
    assert newcomer.status == RegistrationStatus.WAITLISTED
    assert services.waitlist_rank(waiting) == 1 and services.waitlist_rank(newcomer) == 2


def test_onsite_cap_waitlists_across_categories_and_promotes_in_global_order(app) -> None:
    services.set_onsite_cap(cap=1, actor=UserFactory(roles=[Role.ORGANISER]))
    regular, student, online = CategoryFactory(), CategoryFactory(), CategoryFactory(attendance=Attendance.ONLINE)
    holder = register(UserFactory(), regular)
    waiting_student = register(UserFactory(), student)
    waiting_regular = register(UserFactory(), regular)
    viewer = register(UserFactory(), online)
    assert [holder.status, waiting_student.status, waiting_regular.status, viewer.status] == [
        RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED, RegistrationStatus.WAITLISTED,
        RegistrationStatus.CONFIRMED,
    ]
    services.cancel_registration(registration=holder, actor=holder.user)
    assert statuses(waiting_student, waiting_regular) == [RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED]
    assert db.session.get(ConferenceSettings, 1).onsite_confirmed == 1


def test_raising_capacity_promotes_as_many_as_fit(app) -> None:
    organiser = UserFactory(roles=[Role.ORGANISER])
    category = CategoryFactory(capacity=1)
    regs = [register(UserFactory(), category) for _ in range(4)]
    services.save_category(actor=organiser, category=category, capacity=3)
    assert statuses(*regs) == [RegistrationStatus.CONFIRMED] * 3 + [RegistrationStatus.WAITLISTED]
    assert db.session.scalar(sa.select(AuditLog.detail).where(AuditLog.action == "category-edit")) == {"capacity": "3"}


def test_raising_onsite_cap_promotes(app) -> None:
    organiser = UserFactory(roles=[Role.ORGANISER])
    services.set_onsite_cap(cap=0, actor=organiser)
    waiting = register(UserFactory(), CategoryFactory())
    assert waiting.status == RegistrationStatus.WAITLISTED
    services.set_onsite_cap(cap=None, actor=organiser)
    assert statuses(waiting) == [RegistrationStatus.CONFIRMED]


def test_moderated_registration_holds_place_until_approved(app) -> None:
    organiser = UserFactory(roles=[Role.ORGANISER])
    press = CategoryFactory(code="press", moderated=True, capacity=1, fee_cents=0)
    journalist = register(UserFactory(), press)
    assert journalist.status == RegistrationStatus.AWAITING_APPROVAL
    assert press.confirmed_count == 1
    services.approve_registration(registration=journalist, actor=organiser)
    assert statuses(journalist) == [RegistrationStatus.CONFIRMED]
    assert mails_to(journalist.user)[-1].subject == "Your registration for ESOF 2022 is confirmed"
    with pytest.raises(services.StatusChanged):
        services.approve_registration(registration=journalist, actor=organiser)


def test_rejected_moderated_registration_promotes_next_person(app) -> None:
    organiser = UserFactory(roles=[Role.ORGANISER])
    press = CategoryFactory(moderated=True, capacity=1)
    first, second = register(UserFactory(), press), register(UserFactory(), press)
    assert second.status == RegistrationStatus.WAITLISTED
    services.reject_registration(registration=first, actor=organiser)
    assert statuses(first, second) == [RegistrationStatus.CANCELLED, RegistrationStatus.AWAITING_APPROVAL]
    assert first.cancel_reason == "rejected"
    assert mails_to(first.user)[-1].subject == "Your ESOF 2022 registration was not approved"
    actions = db.session.scalars(sa.select(AuditLog.action).where(AuditLog.actor_id == organiser.id)).all()
    assert actions == ["registration-reject"]


def test_second_registration_is_refused_and_creates_nothing(app) -> None:
    user, category = UserFactory(), CategoryFactory()
    first = register(user, category)
    with pytest.raises(services.AlreadyRegistered) as caught:
        register(user, category)
    assert caught.value.registration == first
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 1


def test_database_refuses_two_active_registrations_for_one_user(app) -> None:
    user, category = UserFactory(), CategoryFactory()
    register(user, category)
    db.session.commit()
    twin = Registration(user_id=user.id, category_id=category.id, status=RegistrationStatus.WAITLISTED,
                        attendance=Attendance.ONSITE, payment_reference="ESOF-0000000195", ticket_nonce="x" * 32)
    db.session.add(twin)
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()


def test_register_again_after_cancelling(app) -> None:
    user, category = UserFactory(), CategoryFactory()
    services.cancel_registration(registration=register(user, category), actor=user)
    assert register(user, category).status == RegistrationStatus.CONFIRMED


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"category_code": "no-such-code"}, services.UnknownCategory),
        ({"consent": False}, services.ConsentMissing),
        ({"profile": profile(country="EU")}, services.UnknownCountry),
        ({"profile": profile(country="")}, services.UnknownCountry),
        ({"profile": profile(first_name="x" * 101)}, services.FieldTooLong),
        ({"profile": profile(dietary_needs="x" * 501)}, services.FieldTooLong),
        ({"profile": profile(last_name="  ")}, ValidationFailed),
    ],
)
def test_register_refuses_bad_input(app, change: dict, error: type[Exception]) -> None:
    category = CategoryFactory(code="regular")
    kwargs = {"user": UserFactory(), "category_code": "regular", "profile": profile(), "consent": True, **change}
    with pytest.raises(error):
        services.register_delegate(**kwargs)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0
    assert category.confirmed_count == 0


def test_register_refuses_closed_and_not_yet_open(app) -> None:
    closed = CategoryFactory(closes_at=utcnow() - timedelta(minutes=1))
    future = CategoryFactory(opens_at=utcnow() + timedelta(days=1))
    with pytest.raises(services.CategoryClosed):
        register(UserFactory(), closed)
    with pytest.raises(services.CategoryNotOpen):
        register(UserFactory(), future)


def test_register_checks_access_code(app) -> None:
    speakers = CategoryFactory(access_code="ESOF-SPEAK")
    with pytest.raises(services.WrongAccessCode):
        register(UserFactory(), speakers, access_code="guess")
    with pytest.raises(services.WrongAccessCode):
        register(UserFactory(), speakers)
    assert register(UserFactory(), speakers, access_code=" ESOF-SPEAK ").status == RegistrationStatus.CONFIRMED


def test_register_refuses_unverified_user(app) -> None:
    with pytest.raises(services.EmailNotVerified):
        register(UserFactory(email_verified_at=None), CategoryFactory())


def test_mark_paid_records_time_audit_and_mail(app) -> None:
    organiser = UserFactory(roles=[Role.ORGANISER])
    registration = register(UserFactory(), CategoryFactory())
    services.set_payment_status(registration=registration, status=PaymentStatus.PAID, actor=organiser)
    assert registration.payment_status == PaymentStatus.PAID and registration.paid_at is not None
    assert mails_to(registration.user)[-1].subject == "We received your payment for ESOF 2022"
    entry = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "registration-payment"))
    assert (entry.actor_id, entry.target_id, entry.detail) == (
        organiser.id, registration.id, {"previous": "pending", "status": "paid"},
    )
    services.set_payment_status(registration=registration, status=PaymentStatus.WAIVED, actor=organiser)
    assert (registration.payment_status, registration.paid_at) == (PaymentStatus.WAIVED, None)


def other_organiser_sets_payment(registration_id: int, status: PaymentStatus) -> None:
    """A change committed by another request while this one holds a loaded registration."""
    with db.engine.begin() as other:
        other.execute(sa.update(Registration).where(Registration.id == registration_id).values(payment_status=status))


def test_mark_paid_after_someone_else_did_changes_nothing_more(app) -> None:
    organiser = UserFactory(roles=[Role.ORGANISER])
    registration = register(UserFactory(), CategoryFactory())
    db.session.commit()
    assert registration.payment_status == PaymentStatus.PENDING  # what this organiser's page showed
    other_organiser_sets_payment(registration.id, PaymentStatus.PAID)
    services.set_payment_status(registration=registration, status=PaymentStatus.PAID, actor=organiser)
    db.session.commit()
    assert registration.payment_status == PaymentStatus.PAID
    assert [m.subject for m in mails_to(registration.user)] == ["Your registration for ESOF 2022 is confirmed"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(
        AuditLog.action == "registration-payment")) == 0


def test_payment_status_changed_meanwhile_refuses_and_keeps_it(app) -> None:
    organiser = UserFactory(roles=[Role.ORGANISER])
    registration = register(UserFactory(), CategoryFactory())
    db.session.commit()
    assert registration.payment_status == PaymentStatus.PENDING
    other_organiser_sets_payment(registration.id, PaymentStatus.WAIVED)
    with pytest.raises(services.StatusChanged):
        services.set_payment_status(registration=registration, status=PaymentStatus.PAID, actor=organiser)
    db.session.rollback()
    assert (registration.payment_status, registration.paid_at) == (PaymentStatus.WAIVED, None)
    assert [m.subject for m in mails_to(registration.user)] == ["Your registration for ESOF 2022 is confirmed"]


def test_ticket_token_verifies_to_its_registration(app) -> None:
    registration = register(UserFactory(), CategoryFactory())
    token = services.ticket_token(registration)
    assert services.verify_ticket_token(token) == registration
    assert registration.ticket_nonce not in token  # the nonce travels signed, not as the key


def test_ticket_token_forged_or_altered_is_refused(app) -> None:
    registration = register(UserFactory(), CategoryFactory())
    token = services.ticket_token(registration)
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "nonsense", "", token + "x"):
        with pytest.raises(services.TicketForged):
            services.verify_ticket_token(bad)
    from esof.tokens import make_token

    with pytest.raises(services.TicketForged):  # signed for another purpose
        services.verify_ticket_token(make_token("verify-email", {"r": registration.id, "n": registration.ticket_nonce}))


def test_ticket_token_expires(app) -> None:
    registration = register(UserFactory(), CategoryFactory())
    token = services.ticket_token(registration)
    time.sleep(1.1)
    with pytest.raises(services.TicketExpired):
        services.verify_ticket_token(token, max_age=0)


def test_reissued_or_cancelled_ticket_is_revoked(app) -> None:
    registration = register(UserFactory(), CategoryFactory())
    old = services.ticket_token(registration)
    services.reissue_ticket(registration=registration, actor=registration.user)
    with pytest.raises(services.TicketRevoked):
        services.verify_ticket_token(old)
    new = services.ticket_token(registration)
    assert services.verify_ticket_token(new) == registration
    services.cancel_registration(registration=registration, actor=registration.user)
    with pytest.raises(services.TicketRevoked):
        services.verify_ticket_token(new)


def test_export_personal_data_holds_account_registration_and_mails(app) -> None:
    user = UserFactory(email="ada@example.org", display_name="Ada")
    registration = register(user, CategoryFactory(code="regular"), profile=profile(dietary_needs="vegan"))
    data = services.export_personal_data(user)
    assert data["account"]["email"] == "ada@example.org"
    assert data["account"]["roles"] == ["delegate"]
    [exported] = data["registrations"]
    assert exported["payment_reference"] == registration.payment_reference
    assert (exported["category"], exported["dietary_needs"], exported["country"]) == ("regular", "vegan", "NL")
    assert exported["consent_version"] == "2022-01"
    assert [m["subject"] for m in data["mails"]] == ["Your registration for ESOF 2022 is confirmed"]


def test_erase_account_anonymises_keeps_counts_and_promotes(app) -> None:
    category = CategoryFactory(capacity=1, code="regular")
    user = UserFactory(email="ada@example.org")
    mine = register(user, category, profile=profile(dietary_needs="vegan"))
    waiting = register(UserFactory(), category)
    received: list[int] = []
    # Only this receiver, for this call: bookings' own receiver must stay connected.
    with account_erasing.connected_to(lambda sender: received.append(sender.id)):
        services.erase_account(user=user)
    db.session.commit()
    assert received == [user.id]
    row = db.session.get(Registration, mine.id)
    assert (row.user_id, row.first_name, row.last_name, row.affiliation, row.dietary_needs) == (None, "", "", "", "")
    assert (row.status, row.cancel_reason, row.country, row.category.code) == (
        RegistrationStatus.CANCELLED, "erased", "NL", "regular",
    )
    erased = db.session.get(User, user.id)
    assert erased.email == f"erased-{user.id}@erased.invalid"
    assert (erased.password_hash, erased.display_name, erased.roles, erased.is_active) == (None, "", set(), False)
    mails_left = (
        sa.select(sa.func.count()).select_from(OutboxMessage).where(OutboxMessage.to_address == "ada@example.org")
    )
    assert db.session.scalar(mails_left) == 0
    assert statuses(waiting) == [RegistrationStatus.CONFIRMED]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 2  # statistics kept


def test_update_profile_changes_fields_only(app) -> None:
    registration = register(UserFactory(), CategoryFactory())
    services.update_profile(
        registration=registration, profile=profile(first_name="Grace", country="DE"), actor=registration.user
    )
    assert (registration.first_name, registration.country, registration.status) == (
        "Grace", "DE", RegistrationStatus.CONFIRMED,
    )
    with pytest.raises(services.UnknownCountry):
        services.update_profile(registration=registration, profile=profile(country="XX"), actor=registration.user)


def test_category_code_must_be_unique(app) -> None:
    organiser = UserFactory(roles=[Role.ORGANISER])
    CategoryFactory(code="regular")
    with pytest.raises(services.CategoryCodeTaken):
        services.save_category(actor=organiser, code="regular", name="Again", fee_cents=0, attendance=Attendance.ONSITE)


def test_a_payment_change_from_a_stale_page_is_refused(app) -> None:
    organiser = UserFactory(roles=[Role.ORGANISER])
    registration = register(UserFactory(), CategoryFactory())
    db.session.commit()
    other_organiser_sets_payment(registration.id, PaymentStatus.PAID)
    db.session.expire_all()  # this request reads "paid", but the organiser's page showed "pending"
    with pytest.raises(services.StatusChanged):
        services.set_payment_status(registration=registration, status=PaymentStatus.WAIVED, actor=organiser,
                                    seen=PaymentStatus.PENDING)
    db.session.rollback()
    assert registration.payment_status == PaymentStatus.PAID
    # From the page as it is now, the same change goes through.
    services.set_payment_status(registration=registration, status=PaymentStatus.WAIVED, actor=organiser,
                                seen=PaymentStatus.PAID)
    db.session.commit()
    assert registration.payment_status == PaymentStatus.WAIVED
