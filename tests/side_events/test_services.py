"""Side-event rules: editors, submission checks, moderation, occurrences, invitations."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import Flask

from esof.accounts.models import Role
from esof.errors import PermissionDenied, ValidationFailed
from esof.extensions import db
from esof.mail.models import OutboxMessage
from esof.side_events import services
from esof.side_events.models import (
    EventState,
    PartnerMembership,
    RevisionStatus,
    SideEventOccurrence,
    SideEventRevision,
)
from esof.side_events.recurrence import Frequency, Recurrence
from esof.tokens import token_hash
from tests.factories import UserFactory
from tests.side_events.factories import (
    PartnerOrganisationFactory,
    event_input,
    make_editor,
    make_event,
    make_organiser,
)

AMS = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def org(app: Flask):
    return PartnerOrganisationFactory(name="Rijksmuseum Boerhaave", slug="boerhaave")


@pytest.fixture
def editor(org):
    return make_editor(org, email="editor@boerhaave.example", language="nl")


@pytest.fixture
def organiser(app: Flask):
    return make_organiser(email="organiser@example.org")


def occurrences_of(event_id: int) -> list[SideEventOccurrence]:
    return list(db.session.scalars(
        sa.select(SideEventOccurrence).where(SideEventOccurrence.event_id == event_id)
        .order_by(SideEventOccurrence.starts_at)
    ))


def outbox() -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


# --- submitting -------------------------------------------------------------------------

def test_submit_side_event_creates_pending_revision_without_occurrences(org, editor) -> None:
    event = make_event(org, editor)
    assert event.state is EventState.SUBMITTED
    [revision] = event.revisions
    assert revision.status is RevisionStatus.PENDING
    assert revision.starts_at == datetime(2022, 7, 14, 8, 0, tzinfo=UTC)
    assert revision.ends_at == datetime(2022, 7, 14, 10, 0, tzinfo=UTC)
    assert revision.description_en == "<p>A talk about <strong>telescopes</strong>.</p>"
    assert occurrences_of(event.id) == []


def test_submit_side_event_only_one_title_is_enough(org, editor) -> None:
    event = make_event(org, editor, title_en="", description_en="")
    assert (event.revisions[0].title_nl, event.revisions[0].title_en) == ("Sterren boven Leiden", "")


def test_submit_side_event_without_any_title_is_refused(org, editor) -> None:
    with pytest.raises(services.EventInputRejected) as caught:
        make_event(org, editor, title_en=" ", title_nl="")
    assert caught.value.field == "title_nl"


def test_submit_side_event_end_before_start_is_refused(org, editor) -> None:
    with pytest.raises(services.EventInputRejected) as caught:
        make_event(org, editor, start_time=time(14, 0), end_time=time(13, 0))
    assert (caught.value.field, caught.value.message) == ("end_date", "The event ends before it starts.")
    assert db.session.scalar(sa.select(sa.func.count(SideEventRevision.id))) == 0


def test_submit_side_event_end_equal_to_start_is_refused(org, editor) -> None:
    with pytest.raises(services.EventInputRejected):
        make_event(org, editor, start_time=time(14, 0), end_time=time(14, 0))


def test_submit_side_event_all_day_end_date_before_start_date_is_refused(org, editor) -> None:
    with pytest.raises(services.EventInputRejected) as caught:
        make_event(org, editor, all_day=True, start_date=date(2022, 6, 1), end_date=date(2022, 5, 31),
                   start_time=None, end_time=None)
    assert caught.value.field == "end_date"


def test_submit_side_event_timed_without_times_is_refused(org, editor) -> None:
    with pytest.raises(services.EventInputRejected) as caught:
        make_event(org, editor, start_time=None)
    assert caught.value.field == "start_time"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"start_date": date(2021, 12, 31), "end_date": date(2022, 1, 1)}, "start_date"),
        ({"start_date": date(2022, 12, 31), "end_date": date(2023, 1, 1)}, "end_date"),
        ({"start_date": date(2023, 3, 1), "end_date": date(2023, 3, 1)}, "start_date"),
        ({"recurrence": Recurrence(Frequency.WEEKLY, until=date(2023, 1, 10))}, "until"),
    ],
)
def test_submit_side_event_outside_festival_year_is_refused(org, editor, overrides, field) -> None:
    with pytest.raises(services.EventInputRejected) as caught:
        make_event(org, editor, **overrides)
    assert caught.value.field == field
    assert caught.value.message == "The City of Science calendar covers 2022 only."


def test_submit_side_event_festival_year_is_configurable(app: Flask, org, editor) -> None:
    app.config["SIDE_EVENTS_FESTIVAL_YEAR"] = 2023
    event = make_event(org, editor, start_date=date(2023, 5, 1), end_date=date(2023, 5, 1))
    assert event.revisions[0].starts_at == datetime(2023, 5, 1, 8, 0, tzinfo=UTC)
    with pytest.raises(services.EventInputRejected):
        make_event(org, editor)  # 14 July 2022


def test_submit_side_event_rule_with_more_than_500_dates_is_refused(org, editor) -> None:
    # Daily from 1 January 2022 to 30 June 2023: 546 dates. The count is checked before the
    # year, so the partner learns the real problem.
    with pytest.raises(services.EventInputRejected) as caught:
        make_event(org, editor, start_date=date(2022, 1, 1), end_date=date(2022, 1, 1),
                   recurrence=Recurrence(Frequency.DAILY, until=date(2023, 6, 30)))
    assert caught.value.field == "until"
    assert caught.value.message == (
        "This repetition gives more than 500 dates. Shorten it or split the event."
    )


def test_submit_side_event_daily_all_year_is_allowed(org, editor, organiser) -> None:
    event = make_event(org, editor, approve_by=organiser, start_date=date(2022, 1, 1),
                       end_date=date(2022, 1, 1), recurrence=Recurrence(Frequency.DAILY, until=date(2022, 12, 31)))
    assert len(occurrences_of(event.id)) == 365


def test_submit_side_event_until_before_start_is_refused(org, editor) -> None:
    with pytest.raises(services.EventInputRejected) as caught:
        make_event(org, editor, recurrence=Recurrence(Frequency.DAILY, until=date(2022, 7, 1)))
    assert caught.value.field == "until"


def test_submit_side_event_repeating_without_until_is_refused(org, editor) -> None:
    with pytest.raises(services.EventInputRejected) as caught:
        make_event(org, editor, recurrence=Recurrence(Frequency.WEEKLY))
    assert caught.value.field == "until"


def test_submit_side_event_excluded_date_outside_series_is_refused(org, editor) -> None:
    with pytest.raises(services.EventInputRejected) as caught:
        make_event(org, editor, recurrence=Recurrence(
            Frequency.WEEKLY, weekdays=(3,), until=date(2022, 7, 28), exdates=(date(2022, 7, 15),)))
    assert caught.value.field == "exdates"


def test_submit_side_event_unsafe_booking_url_is_refused(org, editor) -> None:
    with pytest.raises(services.EventInputRejected) as caught:
        make_event(org, editor, booking_url="javascript:alert(1)")
    assert caught.value.field == "booking_url"


def test_submit_side_event_sanitises_descriptions_in_both_languages(org, editor) -> None:
    event = make_event(
        org, editor,
        description_en='<p onclick="x()" style="color:red">Hi<script>alert(1)</script></p>',
        description_nl='<a href="javascript:alert(1)">klik</a>',
    )
    revision = event.revisions[0]
    assert revision.description_en == "<p>Hi</p>"
    assert revision.description_nl == '<p><a rel="noopener noreferrer nofollow">klik</a></p>'


def test_submit_side_event_for_other_organisation_is_denied(org, editor) -> None:
    other = PartnerOrganisationFactory()
    with pytest.raises(PermissionDenied):
        make_event(other, editor)


# --- recurrence through the service -------------------------------------------------------

def test_approved_weekly_event_keeps_ten_oclock_across_both_dst_changes(org, editor, organiser) -> None:
    event = make_event(
        org, editor, approve_by=organiser,
        start_date=date(2022, 3, 20), end_date=date(2022, 3, 20), start_time=time(10, 0), end_time=time(11, 0),
        recurrence=Recurrence(Frequency.WEEKLY, weekdays=(6,), until=date(2022, 11, 6),
                              exdates=(date(2022, 4, 17),)),
    )
    revision = services.approved_revision(event)
    assert revision.rrule == "FREQ=WEEKLY;BYDAY=SU;UNTIL=20221106T225959Z"
    assert revision.exdates == ["20220417T100000"]
    rows = occurrences_of(event.id)
    assert len(rows) == 34 - 1  # Sundays 20 March to 6 November, minus Easter
    assert {o.starts_at.astimezone(AMS).strftime("%H:%M") for o in rows} == {"10:00"}
    by_day = {o.local_day: o.starts_at for o in rows}
    assert by_day[date(2022, 3, 20)] == datetime(2022, 3, 20, 9, 0, tzinfo=UTC)
    assert by_day[date(2022, 3, 27)] == datetime(2022, 3, 27, 8, 0, tzinfo=UTC)
    assert by_day[date(2022, 10, 23)] == datetime(2022, 10, 23, 8, 0, tzinfo=UTC)
    assert by_day[date(2022, 10, 30)] == datetime(2022, 10, 30, 9, 0, tzinfo=UTC)
    assert date(2022, 4, 17) not in by_day


def test_weekly_without_chosen_days_uses_the_start_weekday(org, editor) -> None:
    event = make_event(org, editor, recurrence=Recurrence(Frequency.WEEKLY, until=date(2022, 7, 28)))
    assert event.revisions[0].rrule == "FREQ=WEEKLY;BYDAY=TH;UNTIL=20220728T215959Z"


def test_approved_exhibition_spanning_months_is_one_occurrence(org, editor, organiser) -> None:
    event = make_event(org, editor, approve_by=organiser, all_day=True, start_time=None, end_time=None,
                       start_date=date(2022, 3, 1), end_date=date(2022, 6, 30))
    [occurrence] = occurrences_of(event.id)
    assert (occurrence.local_day, occurrence.all_day) == (date(2022, 3, 1), True)
    assert occurrence.ends_at == datetime(2022, 6, 30, 22, 0, tzinfo=UTC)


def test_input_from_revision_round_trips_the_form_values(org, editor) -> None:
    data = event_input(recurrence=Recurrence(Frequency.WEEKLY, weekdays=(1, 3), until=date(2022, 8, 31),
                                             exdates=(date(2022, 7, 19),)), price_cents=750)
    event = services.submit_side_event(organisation=org, data=data, author=editor)
    again = services.input_from_revision(event.revisions[0])
    assert again.recurrence == data.recurrence
    assert (again.start_date, again.start_time, again.end_time) == (date(2022, 7, 14), time(10, 0), time(12, 0))
    assert again.price_cents == 750


# --- moderation ---------------------------------------------------------------------------

def test_approve_side_event_publishes_and_mails_the_author(org, editor, organiser) -> None:
    event = make_event(org, editor)
    services.approve_side_event(event=event, moderator=organiser)
    assert event.state is EventState.APPROVED
    assert event.revisions[0].status is RevisionStatus.APPROVED
    assert event.revisions[0].reviewed_by_id == organiser.id
    assert [(o.local_day, o.revision_id) for o in occurrences_of(event.id)] == [
        (date(2022, 7, 14), event.revisions[0].id)
    ]
    [mail] = outbox()
    assert (mail.to_address, mail.language) == ("editor@boerhaave.example", "nl")
    assert "Sterren boven Leiden" in mail.subject


def test_reject_side_event_mails_reason_and_keeps_it_private(org, editor, organiser) -> None:
    event = make_event(org, editor)
    services.reject_side_event(event=event, moderator=organiser, reason="Please add the address.")
    assert (event.state, event.rejection_reason) == (EventState.REJECTED, "Please add the address.")
    assert event.revisions[0].status is RevisionStatus.REJECTED
    assert occurrences_of(event.id) == []
    [mail] = outbox()
    assert mail.to_address == "editor@boerhaave.example"
    assert "Please add the address." in mail.body_text


def test_reject_side_event_needs_a_reason(org, editor, organiser) -> None:
    event = make_event(org, editor)
    with pytest.raises(ValidationFailed):
        services.reject_side_event(event=event, moderator=organiser, reason="  ")
    assert event.state is EventState.SUBMITTED


def test_moderation_by_partner_is_denied(org, editor) -> None:
    event = make_event(org, editor)
    with pytest.raises(PermissionDenied):
        services.approve_side_event(event=event, moderator=editor)


def test_approve_without_pending_change_is_refused(org, editor, organiser) -> None:
    event = make_event(org, editor, approve_by=organiser)
    with pytest.raises(services.NothingToModerate):
        services.approve_side_event(event=event, moderator=organiser)


def test_edit_of_approved_event_waits_while_approved_version_stays_public(org, editor, organiser) -> None:
    event = make_event(org, editor, approve_by=organiser)
    first = services.approved_revision(event)
    services.edit_side_event(event=event, data=event_input(title_en="Planets over Leiden", start_time=time(14, 0),
                                                           end_time=time(16, 0)), author=editor)
    assert event.state is EventState.APPROVED
    assert services.approved_revision(event) is first
    assert services.pending_revision(event).title_en == "Planets over Leiden"
    assert [o.starts_at for o in occurrences_of(event.id)] == [datetime(2022, 7, 14, 8, 0, tzinfo=UTC)]

    changes = {c.label: (c.before, c.after) for c in services.revision_changes(event)}
    assert changes == {
        "Title (English)": ("Stars over Leiden", "Planets over Leiden"),
        "Dates": ("14 Jul 2022, 10:00–12:00 CEST", "14 Jul 2022, 14:00–16:00 CEST"),
    }

    services.approve_side_event(event=event, moderator=organiser)
    assert first.status is RevisionStatus.SUPERSEDED
    assert services.approved_revision(event).title_en == "Planets over Leiden"
    assert event.sequence == 1
    assert [o.starts_at for o in occurrences_of(event.id)] == [datetime(2022, 7, 14, 12, 0, tzinfo=UTC)]


def test_second_edit_replaces_the_waiting_one(org, editor, organiser) -> None:
    event = make_event(org, editor, approve_by=organiser)
    services.edit_side_event(event=event, data=event_input(title_en="One"), author=editor)
    services.edit_side_event(event=event, data=event_input(title_en="Two"), author=editor)
    statuses = sorted((r.status.value, r.title_en) for r in event.revisions)
    assert statuses == [("approved", "Stars over Leiden"), ("pending", "Two")]


def test_rejected_edit_keeps_approved_version_public(org, editor, organiser) -> None:
    event = make_event(org, editor, approve_by=organiser)
    services.edit_side_event(event=event, data=event_input(title_en="Wrong"), author=editor)
    services.reject_side_event(event=event, moderator=organiser, reason="No.")
    assert event.state is EventState.APPROVED
    assert services.approved_revision(event).title_en == "Stars over Leiden"
    assert len(occurrences_of(event.id)) == 1
    assert "De eerdere versie blijft openbaar." in outbox()[-1].body_text  # the editor reads Dutch


def test_edit_side_event_of_other_organisation_is_denied(org, editor, organiser) -> None:
    event = make_event(org, editor, approve_by=organiser)
    stranger = make_editor(PartnerOrganisationFactory())
    with pytest.raises(PermissionDenied):
        services.edit_side_event(event=event, data=event_input(title_en="Hacked"), author=stranger)
    assert services.pending_revision(event) is None


def test_can_edit_side_event_by_role_and_membership(org, editor, organiser) -> None:
    event = make_event(org, editor)
    delegate = UserFactory()
    ex_partner = UserFactory(roles=[Role.DELEGATE])
    db.session.add(PartnerMembership(organisation_id=org.id, user_id=ex_partner.id))
    assert [services.can_edit_side_event(u, event) for u in (editor, organiser, delegate, ex_partner)] == [
        True, True, False, False,
    ]


def test_rebuild_occurrences_replaces_rows_and_ignores_unapproved(org, editor, organiser) -> None:
    event = make_event(org, editor, approve_by=organiser)
    assert services.rebuild_occurrences(event=event) == 1
    assert len(occurrences_of(event.id)) == 1
    draft = make_event(org, editor)
    assert services.rebuild_occurrences(event=draft) == 0


# --- invitations --------------------------------------------------------------------------

def _token_from_outbox() -> str:
    body = outbox()[-1].body_text
    return body.split("/calendar/invitations/")[1].split()[0]


def test_invite_editor_mails_a_link_and_stores_only_its_hash(org, organiser) -> None:
    invitation = services.invite_editor(organisation=org, email=" New.Editor@Example.org ", invited_by=organiser)
    token = _token_from_outbox()
    assert invitation.email == "new.editor@example.org"
    assert invitation.token_hash == token_hash(token)
    assert token not in invitation.token_hash
    assert outbox()[-1].to_address == "new.editor@example.org"
    assert "http://esof.test/calendar/invitations/" in outbox()[-1].body_text


def test_accept_invitation_creates_verified_partner_account(org, organiser) -> None:
    services.invite_editor(organisation=org, email="new@example.org", invited_by=organiser)
    user = services.accept_invitation(token=_token_from_outbox(), user=None, display_name="Nieuw",
                                      password="a long password", language="nl")
    assert (user.email, user.roles, user.is_verified) == ("new@example.org", {Role.PARTNER}, True)
    assert services.organisation_ids_of(user) == {org.id}


def test_accept_invitation_links_signed_in_account(org, organiser) -> None:
    existing = UserFactory(email="delegate@example.org")
    services.invite_editor(organisation=org, email="delegate@example.org", invited_by=organiser)
    user = services.accept_invitation(token=_token_from_outbox(), user=existing)
    assert user is existing
    assert existing.roles == {Role.DELEGATE, Role.PARTNER}
    assert services.organisation_ids_of(existing) == {org.id}


def test_accept_invitation_existing_account_must_log_in(org, organiser) -> None:
    UserFactory(email="delegate@example.org")
    services.invite_editor(organisation=org, email="delegate@example.org", invited_by=organiser)
    with pytest.raises(services.InvitationNeedsLogin):
        services.accept_invitation(token=_token_from_outbox(), user=None, password="a long password")


def test_accept_invitation_by_other_signed_in_user_is_denied(org, organiser) -> None:
    services.invite_editor(organisation=org, email="invited@example.org", invited_by=organiser)
    other = UserFactory(email="other@example.org")
    with pytest.raises(PermissionDenied):
        services.accept_invitation(token=_token_from_outbox(), user=other)
    assert services.organisation_ids_of(other) == set()


def test_accept_invitation_twice_is_refused(org, organiser) -> None:
    services.invite_editor(organisation=org, email="new@example.org", invited_by=organiser)
    token = _token_from_outbox()
    services.accept_invitation(token=token, user=None, password="a long password")
    with pytest.raises(services.InvitationInvalid):
        services.accept_invitation(token=token, user=None, password="a long password")


def test_accept_invitation_expired_or_forged_is_refused(org, organiser) -> None:
    invitation = services.invite_editor(organisation=org, email="new@example.org", invited_by=organiser)
    token = _token_from_outbox()
    invitation.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    with pytest.raises(services.InvitationInvalid):
        services.accept_invitation(token=token, user=None, password="a long password")
    with pytest.raises(services.InvitationInvalid):
        services.accept_invitation(token="forged", user=None, password="a long password")


def test_create_partner_organisation_twice_is_refused(organiser) -> None:
    first = services.create_partner_organisation(name="Naturalis", actor=organiser)
    assert first.slug == "naturalis"
    with pytest.raises(services.OrganisationExists):
        services.create_partner_organisation(name="Naturalis", actor=organiser)


def test_create_partner_organisation_folds_accents_into_its_slug(organiser) -> None:
    organisation = services.create_partner_organisation(name="Société Française de Physique", actor=organiser)
    assert organisation.slug == "societe-francaise-de-physique"
    with pytest.raises(services.OrganisationExists):  # the same slug, another spelling
        services.create_partner_organisation(name="Societe Francaise de Physique", actor=organiser)


def test_edit_and_approve_cycle_respects_one_approved_revision_on_both_databases(any_app: Flask) -> None:
    org = PartnerOrganisationFactory()
    editor, organiser = make_editor(org), make_organiser()
    event = make_event(org, editor, approve_by=organiser)
    for title in ("Second", "Third"):
        services.edit_side_event(event=event, data=event_input(title_en=title), author=editor)
        services.approve_side_event(event=event, moderator=organiser)
    db.session.commit()
    statuses = [(r.status.value, r.title_en) for r in event.revisions]
    assert statuses == [("superseded", "Stars over Leiden"), ("superseded", "Second"), ("approved", "Third")]
    assert event.sequence == 2
    assert len(occurrences_of(event.id)) == 1


def test_month_shortcut_redirects_with_filters(app: Flask) -> None:
    client = app.test_client()
    response = client.get("/calendar/month?category=tour&category=lecture&free=1")
    assert response.status_code == 302
    assert response.headers["Location"] == "/calendar/month/2022-01?category=tour&category=lecture&free=1"
