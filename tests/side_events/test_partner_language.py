"""A partner reads the event form and every message about it in one language: the account's,
or the one they switched the site to. WTForms' own messages, the form's and the services'
rules all follow it, whatever the browser asks for; a new editor's account starts in the
language they read the invitation in."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from esof.accounts.services import find_user_by_email
from esof.extensions import db
from esof.mail.models import OutboxMessage
from tests.side_events.factories import make_editor, make_event
from tests.side_events.test_views import FORM
from tests.support import log_in, submit_form

# (what the partner sends wrong, the message in English, the same in Dutch) — one from each source.
MISTAKES = [
    ({"end_time": "09:00"}, "The event ends before it starts.", "De activiteit eindigt voordat ze begint."),  # service
    ({"start_date": ""}, "This field is required.", "Dit veld is vereist."),  # WTForms
    ({"start_date": "2022-02-30"}, "Not a valid date value.", "Ongeldige datum."),  # WTForms
    ({"exdates": "28-03-2022"}, "Write dates as YYYY-MM-DD.", "Schrijf data als JJJJ-MM-DD."),  # the form
    ({"booking_url": "javascript:alert(1)"}, "Enter a web address starting with https:// or http://.",
     "Vul een webadres in dat begint met https:// of http://."),  # partners' rule
    ({"frequency": "weekly", "until": ""}, "Give the last date of a repeating event.",
     "Geef de laatste datum van een herhalende activiteit."),  # service
]
ENGLISH_FORM = ("Submit an event", "Title in Dutch", "Please check the form")
DUTCH_FORM = ("Activiteit aanmelden", "Titel in het Nederlands", "Controleer het formulier")


def errors_of(html: str) -> list[str]:
    return re.findall(r'<p class="error"[^>]*>([^<]+)<', html)


def check(client: FlaskClient, org_id: int, url: str, dutch: bool, browser: str) -> None:
    for changes, english, nederlands in MISTAKES:
        response = submit_form(client, url, {**FORM, "organisation": str(org_id), **changes},
                               headers={"Accept-Language": browser})
        assert response.status_code == 422, changes
        html = response.get_data(as_text=True)
        assert f'<html lang="{"nl" if dutch else "en"}">' in html
        assert errors_of(html) == [nederlands if dutch else english], changes
        for text in DUTCH_FORM if dutch else ENGLISH_FORM:
            if url.endswith("/edit") and text in ("Submit an event", "Activiteit aanmelden"):
                continue
            assert text in html, (changes, text)
        for text in ENGLISH_FORM if dutch else DUTCH_FORM:
            assert text not in html


@pytest.mark.parametrize("where", ["submit", "edit"])
def test_dutch_account_sees_form_and_messages_in_dutch_whatever_the_browser(
    client: FlaskClient, org, organiser, where: str
) -> None:
    editor = make_editor(org, email="nl@naturalis.example", language="nl")
    event = make_event(org, editor, approve_by=organiser)
    db.session.commit()
    log_in(client, editor.email)
    url = "/calendar/submit" if where == "submit" else f"/calendar/events/{event.id}/edit"
    check(client, org.id, url, dutch=True, browser="en-GB,en;q=0.9")


def test_english_account_that_switched_the_site_to_dutch_sees_dutch(client: FlaskClient, org) -> None:
    editor = make_editor(org, email="en@naturalis.example", language="en")
    db.session.commit()
    log_in(client, editor.email)
    check(client, org.id, "/calendar/submit", dutch=False, browser="nl")  # the account's language first
    client.get("/language/nl?next=/calendar/submit")
    check(client, org.id, "/calendar/submit", dutch=True, browser="en")


def test_english_account_sees_english_in_a_dutch_browser(client: FlaskClient, org) -> None:
    editor = make_editor(org, email="en@naturalis.example", language="en")
    db.session.commit()
    log_in(client, editor.email)
    check(client, org.id, "/calendar/submit", dutch=False, browser="nl-NL,nl;q=0.9")


@pytest.mark.parametrize(("browser", "language"), [("en-GB,en;q=0.9", "en"), ("nl-NL,nl;q=0.9", "nl")])
def test_new_editors_account_starts_in_the_language_of_the_invitation_page(
    client: FlaskClient, org, organiser, browser: str, language: str
) -> None:
    db.session.commit()
    log_in(client, organiser.email)
    submit_form(client, f"/calendar/partners/{org.id}", {"email": "nieuw@naturalis.example"})
    mail = db.session.scalars(sa.select(OutboxMessage)).one()
    link = re.search(r"http://esof.test(/calendar/invitations/\S+)", mail.body_text).group(1)
    submit_form(client, "/account/logout", {}, page="/calendar/")

    page = client.get(link, headers={"Accept-Language": browser}).get_data(as_text=True)
    assert f'<option selected value="{language}">' in page or f'value="{language}" selected' in page
    short = submit_form(client, link, {"display_name": "Nieuw", "password": "short", "language": language},
                        headers={"Accept-Language": browser})
    assert short.status_code == 422
    assert errors_of(short.get_data(as_text=True)) == [
        "Field must be between 10 and 200 characters long." if language == "en"
        else "Veld moet tussen 10 en 200 karakters lang zijn."]
    # The browser sends what the page preselected, as a person who changes nothing would.
    response = submit_form(client, link, {"display_name": "Nieuw", "password": "a long password",
                                          "language": language}, headers={"Accept-Language": browser})
    assert response.status_code == 302
    assert find_user_by_email("nieuw@naturalis.example").language == language
    form = client.get("/calendar/submit", headers={"Accept-Language": browser}).get_data(as_text=True)
    assert (DUTCH_FORM if language == "nl" else ENGLISH_FORM)[1] in form
