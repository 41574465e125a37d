"""Queueing renders each language's mail once and fills in every recipient's name and link:
the mails are the same as rendering each one on its own."""
from __future__ import annotations

import sqlalchemy as sa

from esof.accounts.models import User
from esof.announcements import services
from esof.announcements.queueing import render_example
from esof.extensions import db
from esof.mail.models import OutboxMessage
from esof.tokens import read_token
from tests.announcements.conftest import add_delegates

TEXT = services.MessageText("Welcome", "The doors open at 9.\nBring your ticket.", "Welkom",
                            "De deuren gaan om 9 uur open.\nNeem je ticket mee.")


def test_batch_rendering_gives_every_recipient_their_own_mail(any_app, category, organiser) -> None:
    add_delegates(3, category.id, prefix="en")
    add_delegates(2, category.id, prefix="nl", language="nl")
    add_delegates(2, category.id, prefix="anon", display_name="")  # no name: "Dear delegate,"
    add_delegates(1, category.id, prefix="odd", display_name="Zoë <O'Brien> & %(name)s {{ x }}")
    announcement = services.create_announcement(actor=organiser, text=TEXT, segment=services.Segment())
    db.session.commit()
    services.queue_announcement(announcement.id, size=3)
    messages = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert len(messages) == 8 and len({m.message_id for m in messages}) == 8
    for message in messages:
        user = db.session.scalars(sa.select(User).where(User.email == message.to_address)).one()
        subject, body = render_example(TEXT, user_id=user.id, email=user.email, name=user.display_name,
                                       language=user.language)
        link = next(line for line in message.body_text.splitlines() if "/mail/unsubscribe/" in line)
        token = link.rsplit("/", 1)[1]
        assert read_token("announcement-opt-out", token, max_age=60) == user.id  # their own link
        expected_link = next(line for line in body.splitlines() if "/mail/unsubscribe/" in line)
        assert (message.subject, message.body_text.replace(link, "")) == (subject, body.replace(expected_link, ""))
        assert "\x00" not in message.body_text
    bodies = {m.to_address: m.body_text for m in messages}
    assert bodies["nl0@example.org"].startswith("Beste NL 0,\n\nDe deuren gaan om 9 uur open.")
    assert "Dear delegate," in bodies["anon0@example.org"]
    assert "Dear Zoë <O'Brien> & %(name)s {{ x }}," in bodies["odd0@example.org"]
