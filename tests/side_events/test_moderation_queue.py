"""The moderation queue: filters, pages, and approving a selection as the page showed it.

A partner's edit after the page was shown leaves that event waiting (reported back), the
others are approved each in its own savepoint, with the audit rows and mails of a single
approval; on PostgreSQL a partner editing while the selection is approved loses or wins
cleanly, never half.
"""
from __future__ import annotations

import re
import threading
from datetime import date, time

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from esof.accounts.models import AuditLog, User
from esof.errors import PermissionDenied
from esof.extensions import db
from esof.mail.models import OutboxMessage
from esof.side_events import services
from esof.side_events.models import EventCategory, EventState, PartnerOrganisation, SideEvent
from esof.side_events.queue import QueueFilter, QueueKind, has_date_between
from esof.side_events.recurrence import Frequency, Recurrence
from tests.factories import UserFactory
from tests.side_events.factories import PartnerOrganisationFactory, event_input, make_editor, make_event, make_organiser
from tests.support import csrf_token_from, log_in

ROW = re.compile(r'<th scope="row"><a href="/calendar/moderation/(\d+)">(?:<span lang="\w+">)?([^<]+)')
CHECKBOX = re.compile(r'name="selected" id="select-(\d+)"\s+value="([^"]+)"')


def rows(html: str) -> list[str]:
    return [title for _id, title in ROW.findall(html)]


def selections(html: str) -> dict[int, str]:
    return {int(event_id): value for event_id, value in CHECKBOX.findall(html)}


def mails_to(address: str) -> list[str]:
    return list(db.session.scalars(sa.select(OutboxMessage.subject).where(OutboxMessage.to_address == address)))


def approvals_audited() -> int:
    return db.session.scalar(sa.select(sa.func.count(AuditLog.id)).where(AuditLog.action == "approve-side-event"))


@pytest.fixture
def world(app: Flask) -> dict[str, object]:
    """Naturalis and Hortus with waiting events of each kind, and what must not be in the queue."""
    naturalis = PartnerOrganisationFactory(name="Naturalis", slug="naturalis")
    hortus = PartnerOrganisationFactory(name="Hortus botanicus", slug="hortus")
    nat_editor = make_editor(naturalis, email="editor@naturalis.example", language="en")
    hortus_editor = make_editor(hortus, email="editor@hortus.example", language="en")
    organiser = make_organiser(email="organiser@example.org", language="en")
    make_event(naturalis, nat_editor, title_en="Dinosaur night", neighbourhood="Bio Science Park",
               category=EventCategory.FAMILY, start_date=date(2022, 7, 14), end_date=date(2022, 7, 14))
    make_event(hortus, hortus_editor, title_en="Greenhouse tour", neighbourhood="Binnenstad-Zuid",
               category=EventCategory.TOUR, start_date=date(2022, 5, 3), end_date=date(2022, 5, 3),
               description_en="Carnivorous **plants** up close.")
    # A weekly series from March to September: it has dates in the conference week.
    make_event(hortus, hortus_editor, title_en="Herb walk", neighbourhood="Binnenstad-Zuid",
               category=EventCategory.TOUR, start_date=date(2022, 3, 1), end_date=date(2022, 3, 1),
               recurrence=Recurrence(Frequency.WEEKLY, until=date(2022, 9, 27)))
    public = make_event(naturalis, nat_editor, approve_by=organiser, title_en="Fossil lab",
                        category=EventCategory.WORKSHOP, neighbourhood="Bio Science Park")
    services.edit_side_event(event=public, data=event_input(title_en="Fossil lab, now with T. rex",
                             category=EventCategory.WORKSHOP, neighbourhood="Bio Science Park"), author=nat_editor)
    withdrawn = make_event(naturalis, nat_editor, title_en="Withdrawn talk")
    services.withdraw_side_event(event=withdrawn, actor=nat_editor)
    make_event(naturalis, nat_editor, approve_by=organiser, title_en="Already public")
    db.session.commit()
    return {"naturalis": naturalis, "hortus": hortus, "organiser": organiser, "nat_editor": nat_editor,
            "hortus_editor": hortus_editor, "public": public}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["Dinosaur night", "Greenhouse tour", "Herb walk", "Fossil lab, now with T. rex"]),
        ("?kind=new", ["Dinosaur night", "Greenhouse tour", "Herb walk"]),
        ("?kind=change", ["Fossil lab, now with T. rex"]),
        ("?organisation={hortus}", ["Greenhouse tour", "Herb walk"]),
        ("?neighbourhood=bio+science+park", ["Dinosaur night", "Fossil lab, now with T. rex"]),
        ("?category=tour", ["Greenhouse tour", "Herb walk"]),
        ("?from=2022-07-13&to=2022-07-16", ["Dinosaur night", "Fossil lab, now with T. rex"]),
        ("?from=2022-07-12&to=2022-07-12", ["Herb walk"]),
        ("?from=2022-05-01&to=2022-05-31", ["Greenhouse tour", "Herb walk"]),
        ("?to=2022-04-30", ["Herb walk"]),
        ("?q=carnivorous", ["Greenhouse tour"]),
        ("?q=hortus", ["Greenhouse tour", "Herb walk"]),
        ("?category=tour&from=2022-07-01&q=walk", ["Herb walk"]),
        ("?kind=bogus&category=nonsense&organisation=x&from=soon", [
            "Dinosaur night", "Greenhouse tour", "Herb walk", "Fossil lab, now with T. rex"]),
    ],
)
def test_queue_filters(client: FlaskClient, world, query: str, expected: list[str]) -> None:
    log_in(client, "organiser@example.org")
    response = client.get("/calendar/moderation" + query.format(hortus=world["hortus"].id),
                          headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert sorted(rows(response.get_data(as_text=True))) == sorted(expected)


def test_queue_lists_oldest_first_with_kind_and_dates(client: FlaskClient, world) -> None:
    log_in(client, "organiser@example.org")
    html = client.get("/calendar/moderation", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert rows(html) == ["Dinosaur night", "Greenhouse tour", "Herb walk", "Fossil lab, now with T. rex"]
    assert "4 waiting" in html
    assert "1 Mar 2022, 10:00–12:00 CET (31 dates in all)" in html
    assert html.count("Change to a public event") == 1


def test_queue_in_dutch(client: FlaskClient, world) -> None:
    log_in(client, "organiser@example.org")
    client.get("/language/nl")
    html = client.get("/calendar/moderation?category=tour").get_data(as_text=True)
    assert "2 wachtend" in html
    assert "Geselecteerde goedkeuren" in html
    assert "Rondleiding" in html


def test_has_date_between_reads_the_series(app: Flask) -> None:
    org = PartnerOrganisationFactory()
    event = make_event(org, make_editor(org), title_en="Tuesdays", start_date=date(2022, 3, 1),
                       end_date=date(2022, 3, 1), recurrence=Recurrence(Frequency.WEEKLY, until=date(2022, 3, 29)))
    revision = services.pending_revision(event)
    assert has_date_between(revision, date(2022, 3, 9), date(2022, 3, 14)) is False  # Wed to Mon
    assert has_date_between(revision, date(2022, 3, 15), date(2022, 3, 15)) is True
    assert has_date_between(revision, date(2022, 3, 30), None) is False
    assert has_date_between(revision, None, date(2022, 2, 28)) is False


def test_queue_filter_round_trips_its_arguments() -> None:
    args = {"kind": "change", "organisation": "7", "neighbourhood": "Merenwijk", "category": "tour",
            "from": "2022-07-13", "to": "2022-07-16", "q": "night walk"}
    parsed = QueueFilter.from_args(args)
    assert parsed.kind is QueueKind.CHANGE and parsed.organisation_id == 7
    assert parsed.to_args() == args
    assert QueueFilter.from_args({"kind": "", "q": "  "}).active is False


def test_queue_pages(client: FlaskClient, app: Flask) -> None:
    org = PartnerOrganisationFactory()
    editor = make_editor(org)
    make_organiser(email="organiser@example.org")
    for n in range(30):
        make_event(org, editor, title_en=f"Event {n:02d}", category=EventCategory.LECTURE)
    db.session.commit()
    log_in(client, "organiser@example.org")
    first = client.get("/calendar/moderation?category=lecture").get_data(as_text=True)
    assert rows(first) == [f"Event {n:02d}" for n in range(25)]
    assert 'href="/calendar/moderation?category=lecture&amp;page=2" rel="next"' in first
    second = client.get("/calendar/moderation?category=lecture&page=2").get_data(as_text=True)
    assert rows(second) == [f"Event {n:02d}" for n in range(25, 30)]
    assert "Page 2 of 2" in second


def _fill(organisations: list[PartnerOrganisation], editors: list[User], count: int, organiser: User) -> None:
    for n in range(count):
        index = n % len(organisations)
        event = make_event(organisations[index], editors[index], title_en=f"Waiting {n}",
                           approve_by=organiser if n % 3 == 0 else None,
                           recurrence=Recurrence(Frequency.WEEKLY, until=date(2022, 9, 1)) if n % 4 == 0
                           else Recurrence())
        if n % 3 == 0:  # a change to a public event
            services.edit_side_event(event=event, data=event_input(title_en=f"Changed {n}"), author=editors[index])
    db.session.commit()


@pytest.mark.parametrize("query", ["", "?from=2022-07-01&to=2022-07-31&kind=change", "?q=waiting&category=lecture"])
def test_queue_query_count_is_the_same_for_5_and_50_waiting(client: FlaskClient, app: Flask, count_queries,
                                                            query: str) -> None:
    organiser = make_organiser(email="organiser@example.org")
    organisations = [PartnerOrganisationFactory() for _ in range(5)]
    editors = [make_editor(o) for o in organisations]
    _fill(organisations, editors, 5, organiser)
    log_in(client, organiser.email)
    client.get("/calendar/moderation" + query)
    count_queries.reset()
    assert client.get("/calendar/moderation" + query).status_code == 200
    few = count_queries.count
    _fill(organisations, editors, 45, organiser)
    count_queries.reset()
    html = client.get("/calendar/moderation" + query).get_data(as_text=True)
    assert count_queries.count == few
    assert len(rows(html)) == 25 if not query else len(rows(html)) > 0


# --- approving a selection ---------------------------------------------------------------

def test_approve_selected_leaves_an_item_changed_since_the_page_pending(client: FlaskClient, world) -> None:
    log_in(client, "organiser@example.org")
    page = client.get("/calendar/moderation", headers={"Accept-Language": "en"}).get_data(as_text=True)
    chosen = selections(page)
    assert len(chosen) == 4
    ids = {title: int(i) for i, title in ROW.findall(page)}
    # The Hortus editor changes the greenhouse tour after the page was shown.
    tour = db.session.get(SideEvent, ids["Greenhouse tour"])
    services.edit_side_event(event=tour, data=event_input(title_en="Greenhouse tour at night"),
                             author=world["hortus_editor"])
    db.session.commit()
    audit_before = approvals_audited()

    response = client.post("/calendar/moderation/approve-selected?kind=new",
                           data={"csrf_token": csrf_token_from(page), "selected": list(chosen.values())},
                           headers={"Accept-Language": "en"})

    assert response.status_code == 302
    assert response.headers["Location"] == "/calendar/moderation?kind=new"
    queue = client.get(response.headers["Location"], headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "3 approved; 1 changed since you looked (left pending): Greenhouse tour at night." in queue
    assert rows(queue) == ["Greenhouse tour at night"]
    db.session.expire_all()
    states = {title: db.session.get(SideEvent, i) for title, i in ids.items()}
    assert services.approved_revision(states["Dinosaur night"]).title_en == "Dinosaur night"
    assert services.approved_revision(states["Herb walk"]).title_en == "Herb walk"
    assert services.approved_revision(states["Fossil lab, now with T. rex"]).title_en == "Fossil lab, now with T. rex"
    tour = states["Greenhouse tour"]
    assert tour.state is EventState.SUBMITTED and services.approved_revision(tour) is None
    assert services.pending_revision(tour).title_en == "Greenhouse tour at night"
    assert approvals_audited() == audit_before + 3
    assert sorted(mails_to("editor@naturalis.example")) == [  # two from before, two now
        "Approved: Already public", "Approved: Dinosaur night", "Approved: Fossil lab",
        "Approved: Fossil lab, now with T. rex"]
    assert mails_to("editor@hortus.example") == ["Approved: Herb walk"]
    visitor = client.application.test_client()
    assert visitor.get(f"/calendar/events/{ids['Herb walk']}").status_code == 200
    assert visitor.get(f"/calendar/events/{ids['Greenhouse tour']}").status_code == 404


def test_approve_selected_skips_one_decided_meanwhile(client: FlaskClient, world) -> None:
    log_in(client, "organiser@example.org")
    page = client.get("/calendar/moderation?kind=new").get_data(as_text=True)
    ids = {title: int(i) for i, title in ROW.findall(page)}
    other = make_organiser(email="second@example.org")
    services.approve_side_event(event=db.session.get(SideEvent, ids["Herb walk"]), moderator=other)
    db.session.commit()
    response = client.post("/calendar/moderation/approve-selected",
                           data={"csrf_token": csrf_token_from(page), "selected": list(selections(page).values())},
                           headers={"Accept-Language": "en"})
    assert response.status_code == 302
    queue = client.get("/calendar/moderation", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "2 approved; 1 decided or withdrawn by someone else meanwhile." in queue
    assert rows(queue) == ["Fossil lab, now with T. rex"]
    db.session.expire_all()
    herb = db.session.get(SideEvent, ids["Herb walk"])
    assert services.approved_revision(herb).reviewed_by_id == other.id


def test_approve_selected_without_a_selection_approves_nothing(client: FlaskClient, world) -> None:
    log_in(client, "organiser@example.org")
    page = client.get("/calendar/moderation").get_data(as_text=True)
    for data in ({}, {"selected": ["1:2"]}, {"selected": ["a:b:c"]}):
        response = client.post("/calendar/moderation/approve-selected",
                               data={"csrf_token": csrf_token_from(page), **data}, headers={"Accept-Language": "en"})
        assert response.status_code == 302
    queue = client.get("/calendar/moderation", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "The selection is not valid. Reload the queue and select again." in queue
    assert len(rows(queue)) == 4
    assert approvals_audited() == 2


def test_approve_selected_needs_the_csrf_token(client: FlaskClient, world) -> None:
    log_in(client, "organiser@example.org")
    page = client.get("/calendar/moderation").get_data(as_text=True)
    response = client.post("/calendar/moderation/approve-selected", data={"selected": list(selections(page).values())})
    assert response.status_code == 400
    assert len(rows(client.get("/calendar/moderation").get_data(as_text=True))) == 4


def test_queue_and_approve_selected_are_for_organisers(client: FlaskClient, world) -> None:
    UserFactory(email="delegate@example.org")
    db.session.commit()
    assert client.get("/calendar/moderation").status_code == 302  # to the log-in page
    anonymous_token = csrf_token_from(client.get("/account/login").get_data(as_text=True))
    response = client.post("/calendar/moderation/approve-selected", data={"csrf_token": anonymous_token})
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    for email in ("editor@naturalis.example", "delegate@example.org"):
        other = client.application.test_client()
        log_in(other, email)
        token = csrf_token_from(other.get("/account/").get_data(as_text=True))
        assert other.get("/calendar/moderation").status_code == 403
        value = f"{world['public'].id}:{services.pending_revision(world['public']).id}:1"
        response = other.post("/calendar/moderation/approve-selected", data={"csrf_token": token, "selected": [value]})
        assert response.status_code == 403
    db.session.expire_all()
    assert services.approved_revision(db.session.get(SideEvent, world["public"].id)).title_en == "Fossil lab"


def test_approve_side_events_refuses_a_partner(world) -> None:
    with pytest.raises(PermissionDenied):
        services.approve_side_events(items=[], moderator=world["nat_editor"])


# --- a partner editing while the selection is approved (PostgreSQL, real threads) ---------

def test_partner_edit_racing_a_bulk_approval_on_postgresql(pg_app: Flask) -> None:
    org = PartnerOrganisationFactory()
    editor = make_editor(org, email="editor@race.example")
    organiser = make_organiser(email="organiser@example.org")
    events = [make_event(org, editor, title_en=f"Race {n}", start_time=time(10 + n, 0), end_time=time(11 + n, 0))
              for n in range(4)]
    seen = [services.SeenRevision(e.id, services.pending_revision(e).id, services.pending_revision(e).version)
            for e in events]
    target = events[2].id
    db.session.commit()
    barrier = threading.Barrier(2)
    outcome: dict[str, object] = {}

    def approve() -> None:
        with pg_app.app_context():
            moderator = db.session.get(User, organiser.id)
            barrier.wait(timeout=30)
            try:
                result = services.approve_side_events(items=seen, moderator=moderator)
                db.session.commit()
                outcome["bulk"] = ([e.id for e in result.approved], [e.id for e in result.changed])
            except Exception as exc:  # reported to the test, which expects none
                db.session.rollback()
                outcome["bulk"] = f"error: {type(exc).__name__}: {exc}"

    def edit() -> None:
        with pg_app.app_context():
            event = db.session.get(SideEvent, target)
            services.pending_revision(event)  # read as pending before the approval writes
            author = db.session.get(User, editor.id)
            barrier.wait(timeout=30)
            try:
                services.edit_side_event(event=event, data=event_input(title_en="Race 2, new time",
                                         start_time=time(18, 0), end_time=time(19, 0)), author=author)
                db.session.commit()
                outcome["edit"] = "saved"
            except services.RevisionChanged:
                db.session.rollback()
                outcome["edit"] = "RevisionChanged"

    threads = [threading.Thread(target=approve), threading.Thread(target=edit)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    db.session.expire_all()
    others = [e.id for n, e in enumerate(events) if n != 2]
    raced = db.session.get(SideEvent, target)
    assert isinstance(outcome["bulk"], tuple), outcome
    approved, changed = outcome["bulk"]
    for event_id in others:
        assert services.approved_revision(db.session.get(SideEvent, event_id)) is not None
    if outcome["edit"] == "saved":  # the edit came first or the approval met it: the new text waits
        assert changed == [target] and sorted(approved) == sorted(others)
        assert services.approved_revision(raced) is None
        assert services.pending_revision(raced).title_en == "Race 2, new time"
        assert raced.state is EventState.SUBMITTED
    else:  # the approval came first: what the moderator saw is public, the late edit was refused
        assert outcome["edit"] == "RevisionChanged" and changed == []
        assert sorted(approved) == sorted(e.id for e in events)
        assert services.approved_revision(raced).title_en == "Race 2"
        assert services.pending_revision(raced) is None
    assert len(mails_to("editor@race.example")) == len(approved)
