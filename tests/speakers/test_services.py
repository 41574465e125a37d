"""The speakers' verbs: each acts on the speaker's own rows only; answers, availability, the
profile (photo https only), and the mail to organisers when a speaker declines."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from esof.accounts.models import AuditLog, Role
from esof.extensions import db
from esof.mail.models import OutboxMessage
from esof.programme.models import Participation, PersonAvailability, SessionSpeaker
from esof.programme.schedule import OutsideConferenceDays
from esof.speakers import queries, services
from tests.factories import UserFactory
from tests.programme.factories import PersonFactory, at, publish_now
from tests.speakers.factories import placed_session, speaker_account


def link_of(session_id: int, person_id: int) -> SessionSpeaker:
    return db.session.get(SessionSpeaker, (session_id, person_id))


@pytest.fixture
def two_speakers(app):
    ada_user, ada = speaker_account("speaker1@example.org", "Ada Lovelace")
    grace_user, grace = speaker_account("speaker2@example.org", "Grace Hopper")
    ours = placed_session(ada, grace, title="Computing for everyone")
    theirs = placed_session(grace, title="Compilers", hhmm="14:00")
    UserFactory(email="organiser@example.org", roles=[Role.ORGANISER], language="nl")
    db.session.commit()
    return ada_user, ada, grace_user, grace, ours, theirs


def test_a_new_speaker_link_is_pending(two_speakers) -> None:
    _ada_user, ada, _g, _grace, ours, _theirs = two_speakers
    link = link_of(ours.id, ada.id)
    assert (link.participation, link.answered_at) == (Participation.PENDING, None)


def test_confirming_stores_the_answer_and_its_time_and_mails_nobody(two_speakers) -> None:
    ada_user, ada, _g, grace, ours, _theirs = two_speakers

    services.answer_participation(user=ada_user, session_id=ours.id, answer="confirmed")
    db.session.commit()

    link = link_of(ours.id, ada.id)
    assert link.participation == Participation.CONFIRMED
    assert link.answered_at is not None
    assert link_of(ours.id, grace.id).participation == Participation.PENDING  # the co-speaker answers for herself
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0
    audit = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "speaker.participation")).one()
    assert (audit.actor_id, audit.target_id, audit.detail["answer"]) == (ada_user.id, ours.id, "confirmed")


def test_declining_is_audited_and_mailed_to_each_organiser_in_their_language(two_speakers) -> None:
    ada_user, ada, _g, _grace, ours, _theirs = two_speakers
    UserFactory(email="organiser2@example.org", roles=[Role.ORGANISER], language="en")
    UserFactory(email="delegate@example.org")

    services.answer_participation(user=ada_user, session_id=ours.id, answer=Participation.DECLINED)
    db.session.commit()

    assert link_of(ours.id, ada.id).participation == Participation.DECLINED
    mails = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.to_address)).all()
    assert [(m.to_address, m.language) for m in mails] == [
        ("organiser2@example.org", "en"), ("organiser@example.org", "nl")]
    assert mails[0].subject == "Speaker declined: Ada Lovelace, “Computing for everyone”"
    assert mails[1].subject == "Spreker zegt af: Ada Lovelace, “Computing for everyone”"
    assert f"http://esof.test/programme/organiser/sessions/{ours.id}" in mails[0].body_text
    audit = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "speaker.participation")).one()
    assert audit.detail == {"person_id": ada.id, "answer": "declined", "before": "pending"}


def test_answering_the_same_twice_changes_nothing_and_mails_once(two_speakers) -> None:
    ada_user, ada, *_rest = two_speakers
    ours = two_speakers[4]
    services.answer_participation(user=ada_user, session_id=ours.id, answer="declined")
    db.session.commit()
    first = link_of(ours.id, ada.id).answered_at

    services.answer_participation(user=ada_user, session_id=ours.id, answer="declined")
    db.session.commit()

    assert link_of(ours.id, ada.id).answered_at == first
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 1


def test_taking_a_decline_back_tells_the_organisers(two_speakers) -> None:
    ada_user, ada, *_rest = two_speakers
    ours = two_speakers[4]
    services.answer_participation(user=ada_user, session_id=ours.id, answer="declined")
    services.answer_participation(user=ada_user, session_id=ours.id, answer="confirmed")
    db.session.commit()

    assert link_of(ours.id, ada.id).participation == Participation.CONFIRMED
    subjects = db.session.scalars(sa.select(OutboxMessage.subject).order_by(OutboxMessage.id)).all()
    assert subjects == ["Spreker zegt af: Ada Lovelace, “Computing for everyone”",
                        "Spreker doet toch mee: Ada Lovelace, “Computing for everyone”"]


def test_answering_for_a_session_of_someone_else_is_not_found(two_speakers) -> None:
    ada_user, _ada, _g, grace, _ours, theirs = two_speakers

    with pytest.raises(services.NotYourSession) as raised:
        services.answer_participation(user=ada_user, session_id=theirs.id, answer="declined")

    assert raised.value.status_code == 404
    assert link_of(theirs.id, grace.id).participation == Participation.PENDING


@pytest.mark.parametrize("answer", ["pending", "maybe", ""])
def test_an_answer_other_than_confirm_or_decline_is_refused(two_speakers, answer: str) -> None:
    ada_user, _ada, _g, _grace, ours, _theirs = two_speakers

    with pytest.raises(services.AnswerRejected):
        services.answer_participation(user=ada_user, session_id=ours.id, answer=answer)


def test_availability_is_added_through_the_programme_rule_and_removed_by_its_owner(two_speakers) -> None:
    ada_user, ada, grace_user, *_rest = two_speakers

    window = services.add_speaker_availability(user=ada_user, person=ada, starts_at=at(14, "09:00"),
                                               ends_at=at(14, "12:00"))
    db.session.commit()
    assert [(w.person_id, w.starts_at, w.ends_at) for w in db.session.scalars(sa.select(PersonAvailability))] == [
        (ada.id, at(14, "09:00"), at(14, "12:00"))]

    with pytest.raises(services.NotYourAvailability):
        services.remove_speaker_availability(user=grace_user, window_id=window.id)
    services.remove_speaker_availability(user=ada_user, window_id=window.id)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(PersonAvailability.id))) == 0


def test_availability_outside_the_conference_days_is_refused(two_speakers) -> None:
    ada_user, ada, *_rest = two_speakers
    with pytest.raises(OutsideConferenceDays):
        services.add_speaker_availability(user=ada_user, person=ada, starts_at=at(12, "09:00"),
                                          ends_at=at(12, "12:00"))


def test_a_speaker_cannot_add_availability_for_another_person(two_speakers) -> None:
    ada_user, _ada, _grace_user, grace, *_rest = two_speakers
    with pytest.raises(services.NoSpeakerProfile):
        services.add_speaker_availability(user=ada_user, person=grace, starts_at=at(14, "09:00"),
                                          ends_at=at(14, "10:00"))
    assert db.session.scalar(sa.select(sa.func.count(PersonAvailability.id))) == 0


def test_profile_update_keeps_the_name_and_stores_the_rest(two_speakers) -> None:
    ada_user, ada, *_rest = two_speakers

    services.update_speaker_profile(user=ada_user, person=ada, affiliation=" Royal Society ",
                                    bio="Poet of numbers.\n\nFirst programmer.",
                                    photo_url=" https://images.example.org/ada.jpg ", needs_step_free=True)
    db.session.commit()
    db.session.expire_all()

    assert (ada.name, ada.affiliation, ada.bio, ada.photo_url, ada.needs_step_free, ada.email) == (
        "Ada Lovelace", "Royal Society", "Poet of numbers.\n\nFirst programmer.",
        "https://images.example.org/ada.jpg", True, None)


@pytest.mark.parametrize("photo_url", [
    "http://images.example.org/ada.jpg", "javascript:alert(1)", "//images.example.org/ada.jpg",
    "https://", "https:///ada.jpg", "https://images.example.org/a\"onerror=\"x.jpg",
    "https://images.example.org/a b.jpg", "ftp://images.example.org/ada.jpg", "https://[::1/x",
    "https://example.org/" + "a" * 490,
])
def test_a_photo_address_must_be_https(two_speakers, photo_url: str) -> None:
    ada_user, ada, *_rest = two_speakers

    with pytest.raises(services.PhotoAddressRejected):
        services.update_speaker_profile(user=ada_user, person=ada, affiliation="Elsewhere", bio="",
                                        photo_url=photo_url, needs_step_free=False)
    db.session.rollback()

    assert (ada.photo_url, ada.affiliation) == ("", "Leiden University")


def test_an_empty_photo_address_removes_the_photo(two_speakers) -> None:
    ada_user, ada, *_rest = two_speakers
    ada.photo_url = "https://images.example.org/ada.jpg"
    services.update_speaker_profile(user=ada_user, person=ada, affiliation="", bio="", photo_url="  ",
                                    needs_step_free=False)
    assert ada.photo_url == ""


def test_a_speaker_cannot_edit_another_persons_profile(two_speakers) -> None:
    ada_user, _ada, _grace_user, grace, *_rest = two_speakers

    with pytest.raises(services.NoSpeakerProfile):
        services.update_speaker_profile(user=ada_user, person=grace, affiliation="Hacked", bio="", photo_url="",
                                        needs_step_free=False)
    with pytest.raises(services.NoSpeakerProfile):
        services.own_person(user=ada_user, person_id=grace.id)
    assert grace.affiliation == "Leiden University"


def test_the_speakers_sessions_carry_the_published_place_once_published(two_speakers) -> None:
    ada_user, ada, *_rest = two_speakers
    ours = two_speakers[4]
    (before,) = queries.speaker_sessions(queries.people_of(ada_user))
    assert (before.session.id, before.published) == (ours.id, None)

    publish_now()
    (after,) = queries.speaker_sessions(queries.people_of(ada_user))

    assert after.published is not None
    assert (after.published.starts_at, after.published.room_id) == (at(13, "10:00"), ours.slot.room_id)
    assert after.is_cancelled is False


def test_people_of_a_user_are_only_those_linked_to_the_account(two_speakers) -> None:
    ada_user, ada, *_rest = two_speakers
    PersonFactory(name="Ada Lovelace", email="speaker1@example.org")  # same address, not linked
    assert [p.id for p in queries.people_of(ada_user)] == [ada.id]
