"""After a publication each speaker gets one mail listing their sessions that it moved, gave
another room or cancelled, in their language; nothing for unchanged sessions, for other kinds
of change, for speakers without an address or for a session they declined."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from esof.extensions import db
from esof.mail.models import OutboxMessage
from esof.programme import services as programme
from esof.programme.models import Participation, SessionSpeaker, SessionStatus
from tests.programme.factories import PersonFactory, at, publish_now
from tests.speakers.factories import placed_session, speaker_account
from tests.venues.factories import RoomFactory, VenueFactory


def outbox() -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.to_address)))


def move(session, *, starts=None, room=None) -> None:
    slot = session.slot
    starts = starts or slot.starts_at
    programme.schedule_session(item=session, room_id=(room or slot.room).id, starts_at=starts,
                               ends_at=starts + (slot.ends_at - slot.starts_at))


@pytest.fixture
def programme_world(app):
    kog = VenueFactory(name="Kamerlingh Onnes Gebouw")
    lorentz = RoomFactory(venue=kog, name="Lorentzzaal")
    clevering = RoomFactory(venue=kog, name="Cleveringazaal")
    hall = RoomFactory(venue=kog, name="Hall")
    _piet_user, piet = speaker_account("speaker1@example.org", "Piet Zeeman", language="nl")
    mailed_person = PersonFactory(name="Hendrik Lorentz", email="hendrik@example.org")
    silent = PersonFactory(name="No Address")
    sessions = {
        "moved": placed_session(piet, silent, title="Light and magnetism", title_nl="Licht en magnetisme",
                                room=lorentz, hhmm="10:00"),
        "rooms": placed_session(piet, title="Electrons", room=clevering, hhmm="12:00"),
        "unchanged": placed_session(piet, title="Unchanged talk", room=hall, hhmm="16:00"),
        "cancelled": placed_session(mailed_person, title="Ether", room=lorentz, day=14),
        "retitled": placed_session(mailed_person, title="Relativity", room=lorentz, day=15),
    }
    db.session.commit()
    publish_now()
    return {"piet": piet, "hendrik": mailed_person, "silent": silent, "hall": hall, **sessions}


def test_the_first_publication_mails_no_speaker(programme_world) -> None:
    assert outbox() == []


def test_one_mail_per_speaker_lists_moved_rerooomed_and_cancelled_sessions(programme_world) -> None:
    w = programme_world
    move(w["moved"], starts=at(13, "11:00"))
    move(w["rooms"], room=w["hall"])
    programme.set_session_status(item=w["cancelled"], status=SessionStatus.CANCELLED)
    programme.save_session(item=w["retitled"], title="Special relativity", format=w["retitled"].format,
                           speaker_ids=[w["hendrik"].id])
    db.session.commit()

    publish_now()

    mails = outbox()
    assert [(m.to_address, m.language) for m in mails] == [("hendrik@example.org", "en"),
                                                            ("speaker1@example.org", "nl")]
    hendrik, piet = mails
    assert hendrik.subject == "A change to your session at ESOF 2022"
    assert "“Ether”\n- This session is cancelled.\n" in hendrik.body_text
    assert "Relativity" not in hendrik.body_text  # a new title is no reason to mail
    assert piet.subject == "Wijzigingen in je sessies op ESOF 2022"
    assert piet.body_text.startswith("Beste Piet Zeeman,\n\nVersie 2 van het programma, zojuist gepubliceerd,")
    assert ("“Licht en magnetisme”\n- Nieuwe tijd: woensdag 13 juli 2022, 11:00–12:00 "
            "(was wo 13 jul, 10:00–11:00)\n") in piet.body_text
    assert "Alle tijden zijn in Europe/Amsterdam." in piet.body_text
    assert "“Electrons”\n- Nieuwe zaal: Hall, Kamerlingh Onnes Gebouw (was Cleveringazaal, Kamerlingh Onnes Gebouw)\n" \
        in piet.body_text
    assert "Unchanged talk" not in piet.body_text
    assert f"http://esof.test/programme/sessions/{w['moved'].id}\n" in piet.body_text
    assert "http://esof.test/speaker/\n" in piet.body_text


def test_a_session_taken_out_of_the_schedule_is_mailed_as_cancelled(programme_world) -> None:
    w = programme_world
    programme.unschedule_session(item=w["unchanged"])
    db.session.commit()

    publish_now()

    (mail,) = outbox()
    assert mail.to_address == "speaker1@example.org"
    assert "“Unchanged talk”\n- Deze sessie is geannuleerd.\n" in mail.body_text


def test_no_mail_when_only_other_things_change(programme_world) -> None:
    w = programme_world
    programme.save_session(item=w["unchanged"], title="Renamed talk", format=w["unchanged"].format,
                           abstract="New abstract", speaker_ids=[w["piet"].id])
    db.session.commit()

    publish_now()

    assert outbox() == []


def test_a_speaker_who_declined_the_session_is_not_mailed_about_it(programme_world) -> None:
    w = programme_world
    db.session.get(SessionSpeaker, (w["rooms"].id, w["piet"].id)).participation = Participation.DECLINED
    move(w["rooms"], room=w["hall"])
    db.session.commit()

    publish_now()

    assert outbox() == []


def test_a_speaker_without_an_address_gets_nothing_and_the_others_do(programme_world) -> None:
    w = programme_world
    move(w["moved"], starts=w["moved"].slot.starts_at + timedelta(hours=4))
    db.session.commit()

    publish_now()

    assert [m.to_address for m in outbox()] == ["speaker1@example.org"]  # not "No Address", a co-speaker


def test_the_accounts_address_wins_over_the_persons_own(programme_world) -> None:
    w = programme_world
    w["piet"].email = "old-address@example.org"
    move(w["moved"], starts=at(13, "11:00"))
    db.session.commit()

    publish_now()

    assert [m.to_address for m in outbox()] == ["speaker1@example.org"]

