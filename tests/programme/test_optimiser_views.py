"""The organisers' "Propose a schedule" pages: start a run, follow it, read the diff, apply it
(or be refused when the draft changed), and no access for anyone but organisers."""
from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from esof.extensions import db
from esof.programme import services
from esof.programme.models import ProgrammeSession, ProposalStatus, ScheduleProposal, ScheduleVersion
from tests.factories import UserFactory
from tests.programme.factories import at
from tests.programme.solver_data import slots, small_programme
from tests.support import csrf_token_from, log_in, submit_form

PROPOSE = "/programme/organiser/schedule/propose"


@pytest.fixture
def app_config() -> dict:
    return {"SCHEDULE_PROPOSAL_SYNC": True, "SCHEDULE_SOLVER_TIME_LIMIT": 3}


def propose(client, mode: str = "from-scratch") -> ScheduleProposal:
    response = submit_form(client, PROPOSE, {"mode": mode, "baseline": "draft", "time_limit": "3"})
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    job = db.session.scalars(sa.select(ScheduleProposal).order_by(ScheduleProposal.id.desc())).first()
    assert response.location == f"{PROPOSE}/{job.id}"
    return job


def test_grid_and_nav_offer_a_proposal(organiser_client) -> None:
    html = organiser_client.get("/programme/organiser/schedule").get_data(as_text=True)
    assert f'href="{PROPOSE}"' in html and "Propose a schedule" in html


def test_propose_poll_and_apply_to_the_draft_only(organiser_client) -> None:
    small_programme()
    db.session.commit()

    job = propose(organiser_client)

    db.session.refresh(job)
    assert (job.status, job.progress, job.requested_by_id is not None) == (ProposalStatus.DONE, 100, True)
    state = organiser_client.get(f"{PROPOSE}/{job.id}/progress.json").get_json()
    assert (state["status"], state["progress"], state["done"], state["url"]) == ("done", 100, True,
                                                                                  f"{PROPOSE}/{job.id}")
    page = organiser_client.get(f"{PROPOSE}/{job.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Apply to the draft" in html and "newly placed" in html
    assert "Soft goals (lower is better)" in html and "0, against 0 in the draft now" in html
    assert html.count('class="change-added"') == 8 and slots() == {}

    response = organiser_client.post(f"{PROPOSE}/{job.id}/apply", data={"csrf_token": csrf_token_from(html)})

    assert response.status_code == 302 and response.location == "/programme/organiser/schedule"
    db.session.expire_all()
    assert len(slots()) == 8
    assert db.session.get(ScheduleProposal, job.id).applied_at is not None
    assert db.session.scalar(sa.select(sa.func.count(ScheduleVersion.id))) == 0  # nothing published
    assert services.build_conflict_report().hard == []


def test_apply_is_refused_when_the_draft_changed(organiser_client) -> None:
    data = small_programme()
    db.session.commit()
    job = propose(organiser_client)
    html = organiser_client.get(f"{PROPOSE}/{job.id}").get_data(as_text=True)
    services.schedule_session(item=data["sessions"][0], room_id=data["rooms"][1].id, starts_at=at(13, "12:00"),
                              ends_at=at(13, "13:00"))
    db.session.commit()
    before = slots()

    response = organiser_client.post(f"{PROPOSE}/{job.id}/apply", data={"csrf_token": csrf_token_from(html)})

    assert response.status_code == 409
    assert "The draft changed since this proposal was made" in response.get_data(as_text=True)
    db.session.expire_all()
    assert slots() == before and db.session.get(ScheduleProposal, job.id).applied_at is None


def test_apply_needs_the_csrf_token(organiser_client) -> None:
    small_programme()
    db.session.commit()
    job = propose(organiser_client)

    response = organiser_client.post(f"{PROPOSE}/{job.id}/apply", data={})

    assert response.status_code in (302, 400)
    assert slots() == {}


def test_a_second_proposal_waits_for_the_running_one(organiser_client, organiser) -> None:
    db.session.add(ScheduleProposal(requested_by_id=organiser.id, mode="from-scratch", status=ProposalStatus.RUNNING,
                                    time_limit=30, progress=40, message="searching:0:-"))
    db.session.commit()

    response = submit_form(organiser_client, PROPOSE, {"mode": "from-scratch", "baseline": "draft", "time_limit": "3"})

    assert response.status_code == 409
    assert "being computed already" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(ScheduleProposal.id))) == 1


def test_running_proposal_page_has_a_progress_bar_and_reloads_without_javascript(organiser_client, organiser) -> None:
    job = ScheduleProposal(requested_by_id=organiser.id, mode="minimal-change", status=ProposalStatus.RUNNING,
                           time_limit=30, progress=40, message="searching:3:1439")
    db.session.add(job)
    db.session.commit()

    html = organiser_client.get(f"{PROPOSE}/{job.id}").get_data(as_text=True)

    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in html
    assert '<progress id="proposal-bar" max="100" value="40">40%</progress>' in html
    assert "Searching: 3 schedule(s) found, best score 1439" in html and "js/schedule-proposal.js" in html
    organiser.language = "nl"
    db.session.commit()
    dutch = organiser_client.get(f"{PROPOSE}/{job.id}").get_data(as_text=True)
    assert "Zoeken: 3 rooster(s) gevonden, beste score 1439" in dutch
    assert "Apply to the draft" not in html


def test_background_thread_runs_the_job_while_the_request_returns(app, organiser_client) -> None:
    app.config["SCHEDULE_PROPOSAL_SYNC"] = False
    small_programme()
    db.session.commit()

    job = propose(organiser_client)
    deadline = time.monotonic() + 60
    state = {}
    while time.monotonic() < deadline:
        # The fixtures share one app context (and session) between requests: end its read, as a
        # new request on a server would, to see what the worker wrote.
        db.session.rollback()
        state = organiser_client.get(f"{PROPOSE}/{job.id}/progress.json").get_json()
        if state["done"]:
            break
        assert state["status"] in ("queued", "running")
        time.sleep(0.2)

    assert state["status"] == "done"
    db.session.expire_all()
    assert db.session.get(ScheduleProposal, job.id).result["placed"] == 8


@pytest.mark.parametrize(("method", "path"), [
    ("get", PROPOSE), ("post", PROPOSE), ("get", f"{PROPOSE}/1"), ("get", f"{PROPOSE}/1/progress.json"),
    ("post", f"{PROPOSE}/1/apply"),
])
def test_only_organisers_may_propose(client, method: str, path: str) -> None:
    delegate = UserFactory()
    db.session.add(ScheduleProposal(mode="from-scratch", status=ProposalStatus.DONE, time_limit=3, progress=100,
                                    result={"placements": [], "draft_fingerprint": "x"}))
    db.session.commit()
    log_in(client, delegate.email)
    data = {"csrf_token": csrf_token_from(client.get("/").get_data(as_text=True))} if method == "post" else None

    response = getattr(client, method)(path, data=data)

    assert response.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(ScheduleProposal.id))) == 1


def test_session_form_pins_a_session(organiser_client) -> None:
    response = submit_form(organiser_client, "/programme/organiser/sessions/new", {
        "title": "Keynote", "format": "keynote", "language": "en", "track": "0", "expected_audience": "900",
        "pinned": "y"})

    assert response.status_code == 302
    item = db.session.scalars(sa.select(ProgrammeSession)).one()
    assert item.pinned is True
