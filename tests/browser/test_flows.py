"""The real flows in Chromium, against the app on a free port and a real SMTP server.

A delegate signs up, verifies the email from the mail the server received, registers, stars
and books sessions and subscribes to the agenda; an organiser moves a session and publishes,
and the delegate's agenda page and feed show the new time. A partner submits a side event,
an organiser approves it, and it appears in the public calendar.
"""
from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from icalendar import Calendar

from esof.accounts.models import User
from esof.bookings.models import Booking, Star
from esof.extensions import db
from esof.registration.models import Registration
from esof.side_events.models import SideEvent
from tests.browser.conftest import log_in, new_page
from tests.browser.harness import Inbox, LiveServer, plain_text
from tests.feeds.conftest import build_programme
from tests.registration.factories import CategoryFactory
from tests.side_events.factories import PartnerOrganisationFactory, make_editor, make_organiser
from tests.support import DEMO_PASSWORD

pytestmark = pytest.mark.browser

EMAIL = "maria.jansen@example.org"
PASSWORD = "tulips-and-telescopes"


def flash_text(page: Any) -> str:
    return page.locator(".flashes").inner_text()


def vevents(ics: str) -> dict[str, Any]:
    calendar = Calendar.from_ical(ics)
    return {str(event["SUMMARY"]): event for event in calendar.walk("VEVENT")}


def sign_up_and_verify(page: Any, live: LiveServer, inbox: Inbox) -> None:
    page.goto(live("/"))
    page.get_by_role("link", name="Log in").click()
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Your name").fill("Maria Jansen")
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    assert flash_text(page) == f"Check your inbox: we sent a mail to {EMAIL} with the next step."

    mail = inbox.wait_for(EMAIL, "Confirm your email address")
    link = re.search(r"http://127\.0\.0\.1:\d+/account/verify/[\w.-]+", plain_text(mail))
    assert link, plain_text(mail)
    assert link.group(0).startswith(live.url + "/")
    page.goto(link.group(0))
    assert flash_text(page) == "Thank you, your email address is confirmed."
    assert page.locator("dt:text('Email confirmed') + dd").inner_text() == "Yes"


def register(page: Any, live: LiveServer, inbox: Inbox) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Register").click()
    page.get_by_label("Regular").check()
    page.get_by_label("First name").fill("Maria")
    page.get_by_label("Last name").fill("Jansen")
    page.get_by_label("Affiliation", exact=True).fill("Naturalis")
    page.get_by_label("Country").select_option("NL")
    page.get_by_label("I have read the privacy statement").check()
    page.get_by_role("button", name="Register").click()
    page.wait_for_url(re.compile(r"/registration/\d+$"))
    inbox.wait_for(EMAIL, "Your registration for ESOF 2022 is confirmed")
    assert len([m for m in inbox.messages if m["To"] == EMAIL]) == 2


def test_delegate_signs_up_registers_books_subscribes_and_sees_a_published_change(
    app: Flask, live: LiveServer, inbox: Inbox, browser: Any
) -> None:
    programme = build_programme()
    CategoryFactory(code="regular", name="Regular", name_nl="Regulier")
    db.session.commit()
    page = new_page(browser)

    sign_up_and_verify(page, live, inbox)
    register(page, live, inbox)

    # Star the panel, book the workshop (it needs a seat).
    page.goto(live(f"/programme/sessions/{programme.health_panel.id}"))
    page.get_by_role("button", name="Star this session").click()
    assert flash_text(page) == "Starred: the session is in your agenda."
    assert page.get_by_role("button", name="Starred — remove the star").get_attribute("aria-pressed") == "true"
    page.goto(live(f"/programme/sessions/{programme.workshop.id}"))
    page.get_by_role("button", name="Book a seat").click()
    assert flash_text(page) == "Your seat is booked."
    assert "You have a seat in this session." in page.locator("main").inner_text(), page.locator("main").inner_text()

    # The agenda address from the account page serves both sessions.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Account").click()
    page.get_by_role("button", name="Create my agenda address").click()
    agenda_url = page.locator("input#agenda-url").input_value()
    assert re.fullmatch(re.escape(live.url) + r"/feeds/agenda/[\w-]+\.ics", agenda_url), agenda_url
    feed = page.request.get(agenda_url)
    assert feed.status == 200
    assert feed.headers["content-type"].startswith("text/calendar")
    events = vevents(feed.text())
    assert sorted(events) == ["Science communication workshop", "Vaccines, trust & society"]
    panel = events["Vaccines, trust & society"]
    assert panel.decoded("DTSTART").isoformat() == "2022-07-13T11:00:00+02:00"
    assert str(panel["DTSTART"].params["TZID"]) == "Europe/Amsterdam"
    first_sequence = int(panel.get("SEQUENCE", 0))

    user = db.session.scalar(sa.select(User).where(User.email == EMAIL))
    assert user.email_verified_at is not None
    registration = db.session.scalar(sa.select(Registration).where(Registration.user_id == user.id))
    assert registration.status == "confirmed"
    assert db.session.scalars(sa.select(Star.session_id).where(Star.user_id == user.id)).all() == [
        programme.health_panel.id]
    assert db.session.scalars(sa.select(Booking.session_id).where(Booking.user_id == user.id)).all() == [
        programme.workshop.id]
    db.session.rollback()

    # An organiser moves the panel half an hour later and publishes version 2.
    organiser = new_page(browser)
    log_in(organiser, live, programme.organiser.email, DEMO_PASSWORD)
    organiser.goto(live("/programme/organiser/schedule?day=2022-07-13"))
    card = organiser.locator(f"#card-{programme.health_panel.id}")
    card.locator("summary").click()
    card.get_by_label("Start").fill("11:30")
    card.get_by_label("End").fill("12:30")
    card.get_by_role("button", name="Move").click()
    organiser.goto(live("/programme/organiser/publish"))
    assert "Vaccines, trust & society" in organiser.locator("table").inner_text()
    organiser.get_by_role("button", name="Publish version 2").click()
    assert flash_text(organiser) == "Version 2 is published."
    organiser.context.close()

    # The delegate's agenda page and agenda feed show the new time, with its zone.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Programme").click()
    page.goto(live("/programme/agenda"))
    entry = page.locator("li.agenda-entry", has_text="Vaccines, trust & society")
    assert entry.locator(".agenda-when").inner_text().startswith("11:30–12:30")
    assert "Europe/Amsterdam" in page.locator("main").inner_text()
    moved = vevents(page.request.get(agenda_url).text())["Vaccines, trust & society"]
    assert moved.decoded("DTSTART").isoformat() == "2022-07-13T11:30:00+02:00"
    assert moved.decoded("DTEND").isoformat() == "2022-07-13T12:30:00+02:00"
    assert int(moved["SEQUENCE"]) > first_sequence
    changes = page.request.get(live("/programme/changes")).text()
    assert "Vaccines, trust &amp; society" in changes
    page.context.close()


def test_partner_submits_an_event_organiser_approves_it_and_it_is_in_the_calendar(
    app: Flask, live: LiveServer, inbox: Inbox, browser: Any
) -> None:
    naturalis = PartnerOrganisationFactory(name="Naturalis Biodiversity Center", slug="naturalis")
    partner = make_editor(naturalis, email="editor@naturalis.example.org")
    moderator = make_organiser(email="moderator@example.org")
    db.session.commit()

    page = new_page(browser)
    log_in(page, live, partner.email, DEMO_PASSWORD)
    page.goto(live("/calendar/submit"))
    page.get_by_label("Title in Dutch", exact=True).fill("Dinosaurussen bij nacht")
    page.get_by_label("Title in English", exact=True).fill("Dinosaurs by night")
    page.get_by_label("Description in English", exact=True).fill("A torch-lit walk past *T. rex* Trix.")
    page.get_by_label("Language spoken at the event", exact=True).select_option("en")
    page.get_by_label("Category", exact=True).select_option(index=1)
    page.get_by_label("Location name", exact=True).fill("Naturalis")
    page.get_by_label("Address", exact=True).fill("Darwinweg 2, Leiden")
    page.get_by_label("Start date", exact=True).fill("2022-07-15")
    page.get_by_label("Start time", exact=True).fill("20:00")
    page.get_by_label("End date", exact=True).fill("2022-07-15")
    page.get_by_label("End time", exact=True).fill("22:00")
    page.get_by_role("button", name="Submit for approval").click()
    assert flash_text(page) == "Thank you. The event waits for approval by the organisers."
    event = db.session.scalar(sa.select(SideEvent).where(SideEvent.organisation_id == naturalis.id))
    assert event is not None
    event_id = event.id
    db.session.rollback()

    visitor = new_page(browser)
    assert visitor.goto(live(f"/calendar/events/{event_id}")).status == 404
    assert "Dinosaurs by night" not in visitor.goto(live("/calendar/")).text()

    organiser = new_page(browser)
    log_in(organiser, live, moderator.email, DEMO_PASSWORD)
    organiser.goto(live("/calendar/moderation"))
    organiser.get_by_role("link", name=re.compile("Dinosaurs by night|Dinosaurussen bij nacht")).first.click()
    organiser.get_by_role("button", name="Approve").click()
    assert flash_text(organiser) == "The event is approved and public."
    organiser.context.close()

    visitor.goto(live("/calendar/"))
    visitor.get_by_role("link", name="Dinosaurs by night").click()
    assert visitor.get_by_role("heading", level=1).inner_text() == "Dinosaurs by night"
    when = visitor.locator("main").inner_text()
    assert "15 July 2022" in when and "20:00" in when and "CEST" in when
    inbox.wait_for(partner.email, "Approved: Dinosaurs by night")
    visitor.context.close()
    page.context.close()
