"""The organiser's registration page: correcting a registration, sending its confirmation again,
the person's bookings, words instead of codes and dates with their year (issue 24 item 13)."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from esof.accounts.models import AuditLog, Role, User
from esof.bookings.capacity import book_seat
from esof.extensions import db
from esof.mail.models import OutboxMessage
from esof.registration.billing_models import BillingDetails, BillingDocument, DocumentKind
from esof.registration.invoicing import invoice_for
from esof.registration.models import Attendance, PaymentStatus, Registration, RegistrationCategory, RegistrationStatus
from tests.bookings.factories import at, bookable_session, publish
from tests.factories import UserFactory
from tests.registration.factories import CategoryFactory, register
from tests.support import csrf_token_from, log_in, submit_form


def organiser(client) -> User:
    user = UserFactory(email="org@example.org", roles=[Role.ORGANISER])
    db.session.commit()
    log_in(client, user.email)
    return user


def edit_data(registration: Registration, **changes: str) -> dict[str, str]:
    """What the edit form submits unchanged, with `changes` typed over it."""
    data = {
        "first_name": registration.first_name, "last_name": registration.last_name,
        "affiliation": registration.affiliation, "country": registration.country,
        "dietary_needs": registration.dietary_needs, "accessibility_needs": registration.accessibility_needs,
        "category_id": str(registration.category_id), "billing_name": "", "billing_address": "",
        "billing_vat_number": "", "billing_po_reference": "",
    }
    data.update(changes)
    return data


def edit(client, registration: Registration, **changes: str):
    url = f"/registration/organiser/{registration.id}/edit"
    return submit_form(client, url, edit_data(registration, **changes))


def audit_actions(registration: Registration) -> list[tuple[str, dict]]:
    return [(a.action, a.detail) for a in db.session.scalars(
        sa.select(AuditLog).where(AuditLog.target_type == "Registration", AuditLog.target_id == registration.id)
        .order_by(AuditLog.id))]


def counts(*categories: RegistrationCategory) -> list[int]:
    db.session.expire_all()
    return [db.session.get_one(RegistrationCategory, c.id).confirmed_count for c in categories]


# ------------------------------------------------------------------ edit


def test_organiser_corrects_badge_name_affiliation_country_and_billing(app, client) -> None:
    registration = register(UserFactory(email="ada@example.org"), CategoryFactory(code="regular"))
    db.session.commit()
    boss = organiser(client)
    form = client.get(f"/registration/organiser/{registration.id}/edit").get_data(as_text=True)
    assert f'<option selected value="{registration.category_id}">' in form
    response = edit(client, registration, first_name="Augusta Ada", affiliation="Analytical Engines Ltd",
                    country="GB", billing_name="University of London", billing_po_reference="PO-77")
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "The registration is corrected." in page and "Augusta Ada Lovelace" in page
    db.session.expire_all()
    row = db.session.get_one(Registration, registration.id)
    assert (row.first_name, row.affiliation, row.country) == ("Augusta Ada", "Analytical Engines Ltd", "GB")
    billing = db.session.get_one(BillingDetails, registration.id)
    assert (billing.name, billing.po_reference) == ("University of London", "PO-77")
    correct = [detail for action, detail in audit_actions(registration) if action == "registration-edit"]
    assert correct == [{"fields": ["first_name", "affiliation", "country", "billing"]}]
    assert db.session.scalar(sa.select(AuditLog.actor_id).where(AuditLog.action == "registration-edit")) == boss.id


def test_correction_with_bad_input_shows_the_form_again_and_changes_nothing(app, client) -> None:
    registration = register(UserFactory(), CategoryFactory())
    db.session.commit()
    organiser(client)
    response = edit(client, registration, first_name="", country="XX", billing_vat_number="12")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Please check the form" in page and "This field is required." in page
    response = edit(client, registration, country="XX")
    assert response.status_code == 422 and "Choose a country from the list." in response.get_data(as_text=True)
    response = edit(client, registration, billing_vat_number="12")
    assert response.status_code == 422
    assert "Give the VAT number with its country prefix" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get_one(Registration, registration.id).country == "NL"
    assert audit_actions(registration) == []


def test_correction_without_csrf_token_is_refused(app, client) -> None:
    registration = register(UserFactory(), CategoryFactory())
    db.session.commit()
    organiser(client)
    response = client.post(f"/registration/organiser/{registration.id}/edit", data=edit_data(registration,
                                                                                              first_name="Eve"))
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get_one(Registration, registration.id).first_name == "Ada"


def test_category_change_moves_the_place_recomputes_the_fee_and_promotes_the_next_person(app, client) -> None:
    onsite = CategoryFactory(code="onsite", capacity=1, fee_cents=45000)
    online = CategoryFactory(code="online", attendance=Attendance.ONLINE, fee_cents=9500, capacity=10)
    moved = register(UserFactory(email="ada@example.org"), onsite)
    waiting = register(UserFactory(email="bob@example.org"), onsite)
    db.session.commit()
    assert waiting.status == RegistrationStatus.WAITLISTED
    organiser(client)
    assert edit(client, moved, category_id=str(online.id)).status_code == 302
    db.session.expire_all()
    moved, waiting = db.session.get_one(Registration, moved.id), db.session.get_one(Registration, waiting.id)
    assert (moved.category_id, moved.attendance, moved.amount_due_cents) == (online.id, Attendance.ONLINE, 9500)
    assert moved.status == RegistrationStatus.CONFIRMED
    assert waiting.status == RegistrationStatus.CONFIRMED  # the freed onsite place went to the next in line
    assert counts(onsite, online) == [1, 1]
    [(action, detail)] = [a for a in audit_actions(moved) if a[0] == "registration-edit"]
    assert detail == {"fields": ["category"], "category": "onsite -> online", "amount_cents": "45000 -> 9500"}
    promoted = db.session.scalars(sa.select(OutboxMessage.subject).where(OutboxMessage.to_address == "bob@example.org")
                                  .order_by(OutboxMessage.id)).all()
    assert len(promoted) == 2  # waiting-list mail, then the promotion mail


def test_category_change_into_a_full_category_is_refused_with_the_reason(app, client) -> None:
    full = CategoryFactory(code="full", name="Press", capacity=1)
    other = CategoryFactory(code="other")
    register(UserFactory(), full)
    registration = register(UserFactory(), other)
    db.session.commit()
    organiser(client)
    response = edit(client, registration, category_id=str(full.id), first_name="Changed")
    assert response.status_code == 422
    assert "Press is full: the registration keeps its category." in response.get_data(as_text=True)
    db.session.expire_all()
    row = db.session.get_one(Registration, registration.id)
    assert (row.category_id, row.first_name) == (other.id, "Ada")  # nothing of the form was saved
    assert counts(full, other) == [1, 1]


def test_onsite_cap_holds_when_moving_from_online_to_onsite(app, client) -> None:
    from esof.registration.places import conference_settings

    onsite = CategoryFactory(code="onsite")
    online = CategoryFactory(code="online", attendance=Attendance.ONLINE)
    register(UserFactory(), onsite)
    registration = register(UserFactory(), online)
    conference_settings().onsite_cap = 1
    db.session.commit()
    organiser(client)
    response = edit(client, registration, category_id=str(onsite.id))
    assert response.status_code == 422
    assert "The onsite cap is reached" in response.get_data(as_text=True)
    assert counts(onsite, online) == [1, 1]


def test_paid_registration_cannot_change_to_another_fee_but_can_to_the_same(app, client) -> None:
    regular = CategoryFactory(code="regular", name="Regular", fee_cents=45000)
    student = CategoryFactory(code="student", name="Student", fee_cents=15000)
    twin = CategoryFactory(code="twin", fee_cents=45000)
    registration = register(UserFactory(), regular)
    registration.payment_status = PaymentStatus.PAID
    db.session.commit()
    organiser(client)
    response = edit(client, registration, category_id=str(student.id))
    assert response.status_code == 422
    assert ("This registration is paid (€450.00) and Student costs €150.00. A paid registration cannot change its "
            "fee yet") in response.get_data(as_text=True)
    assert edit(client, registration, category_id=str(twin.id)).status_code == 302
    db.session.expire_all()
    row = db.session.get_one(Registration, registration.id)
    assert (row.category_id, row.amount_due_cents, row.payment_status) == (twin.id, 45000, PaymentStatus.PAID)


def invoiced_in_regular(client) -> tuple[Registration, BillingDocument, RegistrationCategory]:
    """An unpaid registration in Regular (€450) with its invoice, a Student category (€150),
    and an organiser logged in."""
    regular = CategoryFactory(code="regular", fee_cents=45000)
    student = CategoryFactory(code="student", name="Student", fee_cents=15000)
    registration = register(UserFactory(), regular)
    old = invoice_for(registration)
    db.session.commit()
    organiser(client)
    return registration, old, student


def test_unpaid_invoiced_registration_gets_a_credit_note_and_a_new_invoice(app, client) -> None:
    registration, old, student = invoiced_in_regular(client)
    assert edit(client, registration, category_id=str(student.id)).status_code == 302
    db.session.expire_all()
    documents = db.session.execute(sa.select(BillingDocument.kind, BillingDocument.total_cents,
                                             BillingDocument.reason, BillingDocument.category_name)
                                   .order_by(BillingDocument.id)).all()
    assert [tuple(d) for d in documents] == [
        (DocumentKind.INVOICE, 45000, "", old.category_name),
        (DocumentKind.CREDIT_NOTE, 45000, "category-changed", old.category_name),
        (DocumentKind.INVOICE, 15000, "", "Student"),
    ]
    note = db.session.scalar(sa.select(BillingDocument).where(BillingDocument.kind == DocumentKind.CREDIT_NOTE))
    assert note.lines[0]["text"] == f"Invoice {old.number_text} cancelled: the registration category changed"


def test_a_free_category_waives_the_payment(app, client) -> None:
    regular = CategoryFactory(code="regular", fee_cents=45000)
    guest = CategoryFactory(code="guest", fee_cents=0)
    registration = register(UserFactory(), regular)
    db.session.commit()
    organiser(client)
    assert edit(client, registration, category_id=str(guest.id)).status_code == 302
    db.session.expire_all()
    row = db.session.get_one(Registration, registration.id)
    assert (row.amount_due_cents, row.payment_status) == (0, PaymentStatus.WAIVED)


def test_voucher_keeps_its_discount_and_refuses_a_category_it_does_not_cover(app, client) -> None:
    from esof.registration.models import DiscountKind
    from esof.registration.vouchers import VoucherSpec, create_vouchers

    regular = CategoryFactory(code="regular", fee_cents=40000)
    press = CategoryFactory(code="press", fee_cents=20000)
    other = CategoryFactory(code="other", name="Exhibitors", fee_cents=30000)
    boss = organiser(client)
    create_vouchers(actor=boss, spec=VoucherSpec(kind=DiscountKind.PERCENT, value=50,
                                                 category_ids=[regular.id, press.id]), code="HALF")
    registration = register(UserFactory(), regular, voucher_code="HALF")
    db.session.commit()
    assert (registration.amount_due_cents, registration.discount_cents) == (20000, 20000)
    response = edit(client, registration, category_id=str(other.id))
    assert response.status_code == 422
    assert "The voucher HALF does not apply to Exhibitors" in response.get_data(as_text=True)
    assert edit(client, registration, category_id=str(press.id)).status_code == 302
    db.session.expire_all()
    row = db.session.get_one(Registration, registration.id)
    assert (row.category_id, row.amount_due_cents, row.discount_cents) == (press.id, 10000, 10000)


def test_a_waiting_delegate_keeps_their_number_and_gets_a_free_place_in_the_new_category(app, client) -> None:
    full = CategoryFactory(code="full", capacity=1)
    roomy = CategoryFactory(code="roomy", capacity=5)
    register(UserFactory(), full)
    waiting = register(UserFactory(), full)
    db.session.commit()
    number = waiting.waitlist_position
    assert waiting.status == RegistrationStatus.WAITLISTED and number is not None
    organiser(client)
    assert edit(client, waiting, category_id=str(roomy.id)).status_code == 302
    db.session.expire_all()
    row = db.session.get_one(Registration, waiting.id)
    assert (row.category_id, row.status, row.waitlist_position) == (roomy.id, RegistrationStatus.CONFIRMED, number)
    assert counts(full, roomy) == [1, 1]


# ------------------------------------------------------------------ resend


def test_resend_queues_the_confirmation_once_in_ten_minutes_with_an_audit_row(app, client) -> None:
    registration = register(UserFactory(email="ada@example.org"), CategoryFactory())
    db.session.commit()
    organiser(client)
    page = f"/registration/organiser/{registration.id}"

    def mails() -> list[str]:
        return list(db.session.scalars(sa.select(OutboxMessage.subject)
                                       .where(OutboxMessage.to_address == "ada@example.org")))

    before = len(mails())
    response = submit_form(client, f"{page}/resend", {}, page=page, follow_redirects=True)
    assert "The confirmation is sent again to ada@example.org." in response.get_data(as_text=True)
    assert mails()[before:] == ["Your registration for ESOF 2022 is confirmed"]
    response = submit_form(client, f"{page}/resend", {}, page=page, follow_redirects=True)
    assert "it can be sent once more in 10 minutes" in response.get_data(as_text=True)
    assert len(mails()) == before + 1
    for row in db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "registration-resend")):
        row.created_at -= timedelta(minutes=11)  # ten minutes have passed
    db.session.commit()
    submit_form(client, f"{page}/resend", {}, page=page)
    assert len(mails()) == before + 2
    assert [a for a, _ in audit_actions(registration)] == ["registration-resend", "registration-resend"]


def test_resend_of_a_cancelled_registration_is_refused(app, client) -> None:
    from esof.registration.delegates import cancel_registration

    registration = register(UserFactory(email="ada@example.org"), CategoryFactory())
    cancel_registration(registration=registration, actor=None)
    db.session.commit()
    organiser(client)
    page = f"/registration/organiser/{registration.id}"
    token = csrf_token_from(client.get("/registration/organiser/").get_data(as_text=True))
    response = client.post(f"{page}/resend", data={"csrf_token": token}, follow_redirects=True)
    assert "There is no confirmation to send again" in response.get_data(as_text=True)
    assert audit_actions(registration) == []


# ------------------------------------------------------------------ what the page shows


def booked_delegate(sessions: int) -> Registration:
    category = CategoryFactory(code="online", attendance=Attendance.ONLINE)
    user = UserFactory(email="ada@example.org")
    registration = register(user, category)
    items = [bookable_session(starts=at(12 + n % 4, f"{9 + n // 4:02d}:00"), title=f"Session {n:02d}", capacity=1)
             for n in range(sessions)]
    publish()
    other = register(UserFactory(), category).user
    book_seat(item=items[0], delegate=other)  # the first one is full: Ada waits for it
    for item in items:
        book_seat(item=item, delegate=user)
    db.session.commit()
    return registration


def test_detail_lists_bookings_with_times_rooms_and_links(app, client) -> None:
    registration = booked_delegate(2)
    organiser(client)
    page = client.get(f"/registration/organiser/{registration.id}").get_data(as_text=True)
    first = page.index("Session 00")
    assert "12 July 2022, 09:00–10:00 CEST" in page[first:first + 300]
    assert "On the session&#39;s waiting list</strong> (number 1 in line)" in page[first:first + 600]
    second = page.index("Session 01")
    assert "Seat booked" in page[second:second + 600]
    item_id = db.session.scalar(sa.select(sa.text("id")).select_from(sa.text("programme_session"))
                                .where(sa.text("title = 'Session 01'")))
    assert f'<a href="/programme/sessions/{item_id}">Session 01</a>' in page


def test_detail_query_count_is_the_same_for_1_and_20_bookings(app, client, count_queries) -> None:
    few = booked_delegate(1)
    organiser(client)
    count_queries.reset()
    assert client.get(f"/registration/organiser/{few.id}").status_code == 200
    with_one = count_queries.count
    user = few.user
    items = [bookable_session(starts=at(15, f"{8 + n // 2:02d}:{(n % 2) * 30:02d}"), minutes=20,
                              title=f"Extra {n}") for n in range(19)]
    publish()
    for item in items:
        book_seat(item=item, delegate=user)
    db.session.commit()
    count_queries.reset()
    page = client.get(f"/registration/organiser/{few.id}").get_data(as_text=True)
    assert page.count("Seat booked") == 19 and "Extra 18" in page
    assert count_queries.count == with_one


def test_labels_instead_of_codes_and_dates_with_the_year(app, client) -> None:
    registration = register(UserFactory(), CategoryFactory(code="regular", name="Regular", name_nl="Regulier"))
    db.session.commit()
    organiser(client)
    page = client.get(f"/registration/organiser/{registration.id}").get_data(as_text=True)
    assert "<dd>Confirmed</dd>" in page and "<dd>Onsite in Leiden</dd>" in page
    assert '<option selected value="pending">Payment pending</option>' in page
    assert '<option value="waived">Nothing to pay</option>' in page
    assert ">pending<" not in page and ">waived<" not in page
    year = str(registration.created_at.year)
    assert f"{year}, " in page.split("Registered</dt><dd>")[1][:40]
    listing = client.get("/registration/organiser/").get_data(as_text=True)
    assert "<td>Regular</td>" in listing and "<td>Netherlands</td>" in listing
    assert "<td>Payment pending</td>" in listing and f" {year}, " in listing
    client.get("/language/nl")
    dutch = client.get(f"/registration/organiser/{registration.id}").get_data(as_text=True)
    assert "<dd>Bevestigd</dd>" in dutch and "Regulier (regular)" in dutch


# ------------------------------------------------------------------ access


def test_a_delegate_gets_403_on_every_organiser_registration_page(app, client) -> None:
    registration = register(UserFactory(email="ada@example.org"), CategoryFactory())
    db.session.commit()
    log_in(client, "ada@example.org")
    base = f"/registration/organiser/{registration.id}"
    for url in (base, f"{base}/edit"):
        assert client.get(url).status_code == 403, url
    token = csrf_token_from(client.get(f"/registration/{registration.id}/edit").get_data(as_text=True))
    for url in (f"{base}/edit", f"{base}/resend"):
        assert client.post(url, data={"csrf_token": token, **edit_data(registration, first_name="Eve")}
                           ).status_code == 403, url
    db.session.expire_all()
    assert db.session.get_one(Registration, registration.id).first_name == "Ada"
    assert audit_actions(registration) == []


# ------------------------------------------------------------------ the service on PostgreSQL


def test_correction_moves_place_and_reissues_the_invoice_on_postgresql(pg_app) -> None:
    from esof.registration.corrections import Correction, correct_registration
    from esof.registration.delegates import DelegateProfile

    regular = CategoryFactory(code="regular", capacity=1, fee_cents=45000)
    student = CategoryFactory(code="student", name="Student", capacity=1, fee_cents=15000)
    registration = register(UserFactory(), regular)
    waiting = register(UserFactory(), regular)
    invoice_for(registration)
    boss = UserFactory(roles=[Role.ORGANISER])
    db.session.commit()
    profile = DelegateProfile("Ada", "Lovelace", "Analytical Engines Ltd", "NL")
    changed = correct_registration(registration=registration, actor=boss,
                                   correction=Correction(profile=profile, category_id=student.id))
    db.session.commit()
    assert changed == ["affiliation", "category"]
    db.session.expire_all()
    assert db.session.get_one(Registration, waiting.id).status == RegistrationStatus.CONFIRMED
    assert counts(regular, student) == [1, 1]
    kinds = db.session.execute(sa.select(BillingDocument.kind, BillingDocument.total_cents)
                               .order_by(BillingDocument.id)).all()
    assert [tuple(k) for k in kinds] == [(DocumentKind.INVOICE, 45000), (DocumentKind.CREDIT_NOTE, 45000),
                                         (DocumentKind.INVOICE, 15000), (DocumentKind.INVOICE, 45000)]  # promoted


def test_billing_and_category_corrected_together_give_one_new_invoice(app, client) -> None:
    registration, old, student = invoiced_in_regular(client)
    response = edit(client, registration, category_id=str(student.id), billing_name="Leiden University",
                    billing_address="Rapenburg 70")
    assert response.status_code == 302
    db.session.expire_all()
    documents = db.session.execute(sa.select(BillingDocument.kind, BillingDocument.total_cents,
                                             BillingDocument.category_name, BillingDocument.buyer)
                                   .order_by(BillingDocument.id)).all()
    assert [(kind, cents, category) for kind, cents, category, _buyer in documents] == [
        (DocumentKind.INVOICE, 45000, old.category_name),
        (DocumentKind.CREDIT_NOTE, 45000, old.category_name),
        (DocumentKind.INVOICE, 15000, "Student"),
    ]
    assert documents[-1].buyer["name"] == "Leiden University"
    assert [action for action, _detail in audit_actions(registration)] == ["billing-edit", "registration-edit"]


def test_a_category_moved_meanwhile_by_someone_else_is_not_moved_back(app) -> None:
    from esof.registration.corrections import Correction, correct_registration
    from esof.registration.delegates import DelegateProfile
    from esof.registration.errors import StatusChanged

    first, second = CategoryFactory(code="first"), CategoryFactory(code="second")
    registration = register(UserFactory(), first)
    boss = UserFactory(roles=[Role.ORGANISER])
    db.session.commit()
    profile = DelegateProfile(
        first_name=registration.first_name, last_name=registration.last_name,
        affiliation=registration.affiliation, country=registration.country,
        dietary_needs=registration.dietary_needs, accessibility_needs=registration.accessibility_needs)
    # The organiser's form showed `first`; another organiser has moved the registration since.
    db.session.execute(sa.update(Registration).where(Registration.id == registration.id)
                       .values(category_id=second.id).execution_options(synchronize_session=False))
    try:
        correct_registration(registration=registration, actor=boss,
                             correction=Correction(profile=profile, category_id=first.id))
    except StatusChanged:
        db.session.rollback()
    else:
        raise AssertionError("the correction went through on a registration changed meanwhile")
    db.session.expire_all()
    assert db.session.get_one(Registration, registration.id).category_id == first.id  # rolled back as a whole


def test_refusals_name_the_category_in_the_pages_language(app, client) -> None:
    full = CategoryFactory(code="full", name="Press", name_nl="Pers", capacity=1)
    other = CategoryFactory(code="other")
    register(UserFactory(), full)
    registration = register(UserFactory(), other)
    UserFactory(email="organisator@example.nl", roles=[Role.ORGANISER], language="nl")
    db.session.commit()
    log_in(client, "organisator@example.nl")
    page = edit(client, registration, category_id=str(full.id)).get_data(as_text=True)
    assert "Pers " in page and "Press" not in page.split('<main')[1].split("<form")[0]
