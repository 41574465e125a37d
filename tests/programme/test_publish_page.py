"""The publish page as an organiser meets it: what stops publishing, with a link to each
session to fix, a button that cannot be pressed until then, and a first version that is a
count of sessions rather than a page of "new" rows."""
from __future__ import annotations

import re

from esof.accounts.models import Role
from esof.extensions import db
from tests.factories import UserFactory
from tests.programme.factories import SessionFactory, SlotFactory
from tests.programme.test_views import publish_now
from tests.support import log_in

PAGE = "/programme/organiser/publish"
BUTTON = re.compile(r'<button type="submit" class="button"( disabled[^>]*)?>Publish version')


def clashing_pair() -> tuple[int, int]:
    first = SlotFactory(session=SessionFactory(title="Alpha"))
    second = SlotFactory(session=SessionFactory(title="Beta"), room=first.room)
    db.session.commit()
    return first.session_id, second.session_id


def test_hard_conflicts_are_listed_with_links_and_the_button_is_disabled(organiser_client) -> None:
    alpha, beta = clashing_pair()
    html = organiser_client.get(PAGE).get_data(as_text=True)
    assert "Solve 1 hard conflict(s) before publishing" in html
    assert f'href="/programme/organiser/sessions/{alpha}">Edit “Alpha”' in html
    assert f'href="/programme/organiser/sessions/{beta}">Edit “Beta”' in html
    button = BUTTON.search(html)
    assert button and button.group(1), "the publish button must be disabled"
    assert "Publishing is possible once the hard conflicts above are solved." in html


def test_without_conflicts_the_button_works(organiser_client) -> None:
    SlotFactory(session=SessionFactory(title="Alpha"))
    db.session.commit()
    html = organiser_client.get(PAGE).get_data(as_text=True)
    assert "before publishing" not in html
    button = BUTTON.search(html)
    assert button and not button.group(1)


def test_an_admin_keeps_the_button_to_publish_anyway(client) -> None:
    clashing_pair()
    admin = UserFactory(roles=[Role.ADMIN])
    db.session.commit()
    log_in(client, admin.email)
    html = client.get(PAGE).get_data(as_text=True)
    button = BUTTON.search(html)
    assert button and not button.group(1)
    assert "As an admin you can publish anyway" in html


def test_the_first_version_is_a_folded_count_not_a_row_per_session(organiser_client) -> None:
    for n in range(12):
        SlotFactory(session=SessionFactory(title=f"Session {n}"))
    db.session.commit()
    html = organiser_client.get(PAGE).get_data(as_text=True)
    assert "12 sessions will be published." in html
    folded = html.split('<details class="first-version-list">', 1)[1].split("</details>", 1)[0]
    assert folded.count("<li") == 12
    assert 'class="pending-changes"' not in html


def test_later_versions_list_each_change(organiser_client) -> None:
    slot = SlotFactory(session=SessionFactory(title="Alpha"))
    db.session.commit()
    publish_now()
    slot.session.title = "Alpha, renamed"
    db.session.commit()
    html = organiser_client.get(PAGE).get_data(as_text=True)
    assert 'class="pending-changes"' in html and "will be published" not in html


def test_the_public_changes_page_folds_the_first_version(client) -> None:
    for n in range(5):
        SlotFactory(session=SessionFactory(title=f"Session {n}"))
    db.session.commit()
    publish_now()
    html = client.get("/programme/changes").get_data(as_text=True)
    assert "5 sessions published." in html
    folded = html.split('<details class="first-version-list">', 1)[1].split("</details>", 1)[0]
    assert folded.count("<th scope=\"row\">") == 5
