"""The pages: the call, submitting, one's own proposals, invitations, review and decisions."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from esof.accounts.models import Role, User
from esof.cfp import services
from esof.cfp.models import Proposal, ProposalState, Review, SpeakerStatus
from esof.extensions import db
from tests.cfp.factories import (
    close_call,
    mails,
    make_organiser,
    make_proposal,
    make_reviewer,
    many_proposals,
    open_call,
)
from tests.factories import UserFactory
from tests.support import IsolatedClient, csrf_token_from, log_in, submit_form


@pytest.fixture(autouse=True)
def isolated_requests(app) -> None:
    app.test_client_class = IsolatedClient


@pytest.fixture
def call(app):
    item = open_call()
    db.session.commit()
    return item


@pytest.fixture
def ada(app) -> User:
    user = UserFactory(email="ada@example.org", display_name="Ada Lovelace")
    db.session.commit()
    return user


def client_for(app, user: User) -> FlaskClient:
    client = app.test_client()
    log_in(client, user.email)
    return client


def form_data(call, **overrides) -> dict[str, str]:
    track = services.offered_tracks(call)[0]
    data = {"title": "Rivers without borders", "abstract": "How the Rhine connects five countries.",
            "title_nl": "", "abstract_nl": "", "format": "panel", "track": str(track.id), "language": "en",
            "expected_audience": "80", "equipment": "", "co_speakers": "bob@example.org\ncarla@example.org",
            "action": "submit"}
    data.update(overrides)
    return data


# --- the call -----------------------------------------------------------------------------

def test_call_page_shows_deadline_in_amsterdam_time_with_zone_and_dutch_guidance(app, call) -> None:
    html = app.test_client().get("/cfp/").get_data(as_text=True)
    assert "The call is open." in html
    assert "(Europe/Amsterdam (CE" in html
    assert f'<time datetime="{call.closes_at.isoformat()}">' in html
    assert "<p>Tell us <strong>why</strong> it matters.</p>" in html
    assert "Keynote" not in html.split("<h2>Formats</h2>")[1].split("</ul>")[0]

    dutch = app.test_client().get("/cfp/", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert "<p>Vertel <strong>waarom</strong> het ertoe doet.</p>" in dutch
    assert "De oproep is open." in dutch
    assert "Keynotes zijn alleen op uitnodiging van de programmacommissie." in dutch


def test_call_page_before_any_call(client) -> None:
    assert "The call for sessions has not been announced yet." in client.get("/cfp/").get_data(as_text=True)


def test_organiser_edits_the_call(app, call) -> None:
    organiser = make_organiser()
    db.session.commit()
    client = client_for(app, organiser)
    page = client.get("/cfp/organiser/call").get_data(as_text=True)
    assert 'name="accepted_nl_subject"' in page
    assert 'value="keynote"' not in page
    data = {"opens_at": "2022-01-10T09:00", "closes_at": "2022-03-31T23:59", "formats": ["panel", "workshop"],
            "tracks": [str(services.offered_tracks(call)[0].id)], "guidance_en": "Hello", "guidance_nl": "Hallo",
            "criteria": "Originality | Originaliteit", "reviewing_open": "y",
            "accepted_en_subject": "Yes: {title}", "accepted_en_body": "Dear {name}"}
    response = submit_form(client, "/cfp/organiser/call", data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    saved = services.current_call()
    assert saved.closes_at.isoformat() == "2022-03-31T21:59:00+00:00"  # 23:59 CEST
    assert (saved.formats, saved.criteria[0]["key"]) == (["panel", "workshop"], "originality")
    assert services.decision_text(saved, ProposalState.ACCEPTED, "en") == {"subject": "Yes: {title}",
                                                                           "body": "Dear {name}"}

    bad = submit_form(client, "/cfp/organiser/call", {**data, "accepted_en_body": "Dear {naam}"})
    assert bad.status_code == 422
    assert "Unknown placeholder {naam}." in bad.get_data(as_text=True)


def test_the_call_and_the_organisers_lists_refuse_others(app, call, ada) -> None:
    client = client_for(app, ada)
    for url in ("/cfp/organiser/call", "/programme/organiser/proposals", "/review/"):
        assert client.get(url).status_code == 403
    assert app.test_client().get("/review/").status_code == 302


# --- submitting ---------------------------------------------------------------------------

def test_submit_a_proposal_with_co_speakers(app, call, ada) -> None:
    client = client_for(app, ada)
    response = submit_form(client, "/cfp/submit", form_data(call))
    assert response.status_code == 302
    proposal = db.session.scalar(sa.select(Proposal))
    assert response.headers["Location"] == f"/cfp/proposals/{proposal.id}"
    assert proposal.state is ProposalState.SUBMITTED
    assert sorted(m.to_address for m in mails()) == ["ada@example.org", "bob@example.org", "carla@example.org"]

    mine = client.get("/cfp/mine").get_data(as_text=True)
    assert "Rivers without borders" in mine
    assert "Submitted" in mine
    detail = client.get(f"/cfp/proposals/{proposal.id}").get_data(as_text=True)
    assert "invited, no answer yet" in detail
    assert "Withdraw the proposal" in detail


def test_a_draft_is_saved_without_an_abstract(app, call, ada) -> None:
    client = client_for(app, ada)
    response = submit_form(client, "/cfp/submit", form_data(call, abstract="", action="draft"))
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Proposal.state)) is ProposalState.DRAFT
    assert mails() == []


def test_a_refused_submission_comes_back_with_the_message_and_the_text(app, call, ada) -> None:
    client = client_for(app, ada)
    response = submit_form(client, "/cfp/submit", form_data(call, format="keynote"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'class="error-summary"' in html
    assert "Keynotes are by invitation only." in html
    assert 'value="Rivers without borders"' in html
    assert db.session.scalar(sa.select(sa.func.count(Proposal.id))) == 0


def test_submitting_or_editing_after_the_deadline_says_so(app, call, ada) -> None:
    proposal = make_proposal(ada)
    db.session.commit()
    client = client_for(app, ada)
    edit_page = client.get(f"/cfp/proposals/{proposal.id}/edit").get_data(as_text=True)
    close_call()
    db.session.commit()
    token = csrf_token_from(edit_page)
    response = client.post(f"/cfp/proposals/{proposal.id}/edit",
                           data={"csrf_token": token, **form_data(call, title="Too late", action="save")})
    assert response.status_code == 409
    assert "The call for sessions closed on" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).title == "Rivers without borders"

    new = client.get("/cfp/submit")
    assert "The call for sessions closed on" in new.get_data(as_text=True)


def test_a_proposal_is_visible_to_its_speakers_reviewers_and_organisers_only(app, call, ada) -> None:
    proposal = make_proposal(ada, co_speakers=["bob@example.org"])
    bob = UserFactory(email="bob@example.org")
    stranger, reviewer, organiser = UserFactory(), make_reviewer(), make_organiser()
    db.session.commit()
    url = f"/cfp/proposals/{proposal.id}"
    assert app.test_client().get(url).status_code == 302  # to the log-in page
    for user, status in ((ada, 200), (bob, 200), (reviewer, 200), (organiser, 200), (stranger, 404)):
        assert client_for(app, user).get(url).status_code == status, user.email
    assert client_for(app, stranger).get("/cfp/proposals/999999").status_code == 404


def test_withdraw_from_the_proposal_page(app, call, ada) -> None:
    proposal = make_proposal(ada)
    db.session.commit()
    client = client_for(app, ada)
    url = f"/cfp/proposals/{proposal.id}"
    response = submit_form(client, f"{url}/withdraw", {"seen_version": proposal.version}, page=url)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).state is ProposalState.WITHDRAWN
    again = submit_form(client, f"{url}/withdraw", {"seen_version": proposal.version}, page=url,
                        follow_redirects=True)
    assert "This proposal is withdrawn already." in again.get_data(as_text=True)


# --- invitations --------------------------------------------------------------------------

def invitation_link(to: str) -> str:
    body = mails(to)[-1].body_text
    return re.search(r"http://esof\.test(/cfp/invitations/\S+)", body).group(1)


def test_a_co_speaker_without_account_signs_up_from_the_link_and_accepts(app, call, ada) -> None:
    make_proposal(ada, co_speakers=["bob@example.org"])
    db.session.commit()
    link = invitation_link("bob@example.org")
    client = app.test_client()

    page = client.get(link).get_data(as_text=True)
    assert 'value="bob@example.org" readonly' in page
    response = submit_form(client, f"{link}/signup", {"display_name": "Bob", "password": "a long password",
                                                      "language": "en"}, page=link)
    assert response.status_code == 302
    assert response.headers["Location"] == link
    answer = submit_form(client, link, {"answer": "accept"})
    assert answer.status_code == 302
    db.session.expire_all()
    bob = db.session.scalar(sa.select(User).where(User.email == "bob@example.org"))
    speaker = next(s for s in db.session.scalar(sa.select(Proposal)).speakers if s.email == "bob@example.org")
    assert (bob.is_verified, speaker.status, speaker.user_id) == (True, SpeakerStatus.ACCEPTED, bob.id)

    used = client.get(link)
    assert used.status_code == 409
    assert "This invitation has already been answered." in used.get_data(as_text=True)


def test_a_co_speaker_with_an_account_logs_in_first(app, call, ada) -> None:
    make_proposal(ada, co_speakers=["bob@example.org"])
    UserFactory(email="bob@example.org")
    db.session.commit()
    link = invitation_link("bob@example.org")
    page = app.test_client().get(link).get_data(as_text=True)
    assert "Log in to answer" in page
    assert "next=/cfp/invitations/" in page.replace("%2F", "/")


def test_a_forged_link_is_a_clear_400(client) -> None:
    response = client.get("/cfp/invitations/forged.token.value")
    assert response.status_code == 400
    assert "This invitation link is not valid." in response.get_data(as_text=True)


# --- review -------------------------------------------------------------------------------

def review_data(score: str = "4") -> dict[str, str]:
    return {"score": score, "score_relevance": "5", "score_clarity": "3", "comment": "Good."}


def test_reviewer_scores_and_then_sees_the_others(app, call, ada) -> None:
    proposal = make_proposal(ada)
    first, second = make_reviewer(display_name="First"), make_reviewer(display_name="Second")
    services.save_review(proposal=proposal, reviewer=first, data=services.ReviewInput(
        score=2, criteria={"relevance": 2, "clarity": 2}, comment="Thin."))
    db.session.commit()
    client = client_for(app, second)
    url = f"/review/proposals/{proposal.id}"

    before = client.get(url).get_data(as_text=True)
    assert "shown once you have scored this proposal yourself" in before
    assert "Thin." not in before
    assert 'name="score_relevance"' in before and 'name="score"' in before

    assert submit_form(client, url, review_data("4")).status_code == 302
    after = client.get(url).get_data(as_text=True)
    assert "Thin." in after
    assert "Mean overall score 3.00 from 2 reviews" in after
    queue = client.get("/review/").get_data(as_text=True)
    assert "You have scored 1 of the 1 proposals in this list." in queue


def test_scoring_ones_own_proposal_is_refused_as_html_and_json(app, call, ada) -> None:
    ada.add_role(Role.REVIEWER)
    proposal = make_proposal(ada)
    db.session.commit()
    client = client_for(app, ada)
    url = f"/review/proposals/{proposal.id}"
    page = client.get(url)
    assert page.status_code == 403
    assert "You are a speaker of this proposal, so you cannot review it." in page.get_data(as_text=True)
    token = csrf_token_from(client.get("/cfp/mine").get_data(as_text=True))
    answer = client.post(url, data={"csrf_token": token, **review_data()}, headers={"Accept": "application/json"})
    assert answer.status_code == 403
    assert answer.get_json() == {"error": "OwnProposal", "status": 403,
                                 "reason": "You are a speaker of this proposal, so you cannot review it."}
    assert db.session.scalar(sa.select(sa.func.count(Review.id))) == 0


def test_declaring_a_conflict_from_the_review_page(app, call, ada) -> None:
    proposal = make_proposal(ada)
    reviewer = make_reviewer()
    db.session.commit()
    client = client_for(app, reviewer)
    url = f"/review/proposals/{proposal.id}"
    submit_form(client, url, review_data())
    response = submit_form(client, f"{url}/conflict", {}, page=url)
    assert response.headers["Location"] == "/review/"
    assert "Nothing to review." in client.get("/review/").get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Review.id))) == 0
    again = submit_form(client, url, review_data(), page="/review/", headers={"Accept": "application/json"})
    assert (again.status_code, again.get_json()["error"]) == (403, "ConflictDeclared")


# --- organisers ---------------------------------------------------------------------------

def test_organiser_list_filters_and_decides_in_bulk(app, call, ada) -> None:
    a = make_proposal(ada, title="Alpha")
    b = make_proposal(UserFactory(), title="Beta", format="workshop")
    organiser = make_organiser()
    db.session.commit()
    client = client_for(app, organiser)
    listing = client.get("/programme/organiser/proposals").get_data(as_text=True)
    assert "Alpha" in listing and "Beta" in listing
    only = client.get("/programme/organiser/proposals?format=workshop").get_data(as_text=True)
    assert "Beta" in only and "Alpha" not in only

    response = submit_form(client, "/programme/organiser/proposals/decisions",
                           {"decision": "waitlisted", "proposals": [f"{a.id}:{a.version}", f"{b.id}:{b.version}"]},
                           page="/programme/organiser/proposals", follow_redirects=True)
    assert "2 proposals decided; their speakers are mailed." in response.get_data(as_text=True)
    db.session.expire_all()
    assert {p.state for p in db.session.scalars(sa.select(Proposal))} == {ProposalState.WAITLISTED}


def test_a_racing_decision_on_the_detail_page_gets_a_clear_message(app, call, ada) -> None:
    proposal = make_proposal(ada)
    first, second = make_organiser(), make_organiser()
    db.session.commit()
    url = f"/programme/organiser/proposals/{proposal.id}"
    one, two = client_for(app, first), client_for(app, second)
    page_one, page_two = one.get(url).get_data(as_text=True), two.get(url).get_data(as_text=True)
    seen = proposal.version

    won = one.post(f"{url}/decision", data={"csrf_token": csrf_token_from(page_one), "decision": "accepted",
                                            "seen_version": seen})
    assert won.status_code == 302
    mailed = len(mails())
    lost = two.post(f"{url}/decision", data={"csrf_token": csrf_token_from(page_two), "decision": "rejected",
                                             "seen_version": seen})
    assert lost.status_code == 409
    assert "This proposal changed while you were looking at it." in lost.get_data(as_text=True)
    same = two.post(f"{url}/decision", data={"csrf_token": csrf_token_from(page_two), "decision": "accepted",
                                             "seen_version": seen}, headers={"Accept": "application/json"})
    assert (same.status_code, same.get_json()["error"]) == (409, "AlreadyDecided")
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).state is ProposalState.ACCEPTED
    assert len(mails()) == mailed


def test_the_organiser_detail_shows_scores_and_the_session_link(app, call, ada) -> None:
    proposal = make_proposal(ada)
    reviewers = [make_reviewer(display_name=f"R{n}") for n in range(3)]
    for reviewer, score in zip(reviewers, (2, 4, 5), strict=True):
        services.save_review(proposal=proposal, reviewer=reviewer, data=services.ReviewInput(
            score=score, criteria={"relevance": score, "clarity": 3}))
    organiser = make_organiser()
    services.decide_proposal(proposal=proposal, decision=ProposalState.ACCEPTED, actor=organiser)
    db.session.commit()
    html = client_for(app, organiser).get(f"/programme/organiser/proposals/{proposal.id}").get_data(as_text=True)
    assert "3.67" in html and "1.25" in html and "(2–5)" in html
    assert f"/programme/organiser/sessions/{proposal.session_id}" in html
    assert "proposal-accepted" in html


def test_long_lists_come_in_pages_that_keep_the_filters(app, call) -> None:
    reviewer, organiser = make_reviewer(), make_organiser()
    many_proposals(120, reviews_each=1, reviewers=[make_reviewer()], seed=5)
    db.session.commit()
    ranked = client_for(app, organiser).get("/programme/organiser/proposals?sort=title").get_data(as_text=True)
    assert "120 proposals" in ranked
    assert ranked.count('name="proposals"') == 100
    assert "Page 1 of 2" in ranked
    assert 'href="/programme/organiser/proposals?sort=title&amp;page=2" rel="next"' in ranked
    second = client_for(app, organiser).get("/programme/organiser/proposals?sort=title&page=2").get_data(as_text=True)
    assert second.count('name="proposals"') == 20
    queue = client_for(app, reviewer).get("/review/?per_page=250").get_data(as_text=True)
    assert "You have scored 0 of the 120 proposals in this list." in queue
    assert queue.count('href="/review/proposals/') == 120


def test_a_score_out_of_range_is_a_422_with_the_field_named(app, call, ada) -> None:
    proposal = make_proposal(ada)
    reviewer = make_reviewer()
    db.session.commit()
    client = client_for(app, reviewer)
    url = f"/review/proposals/{proposal.id}"
    page = client.get(url).get_data(as_text=True)
    as_json = client.post(url, data={"csrf_token": csrf_token_from(page), **review_data("9")},
                          headers={"Accept": "application/json"})
    assert as_json.status_code == 422
    assert list(as_json.get_json()["reason"]) == ["score"]
    as_html = client.post(url, data={"csrf_token": csrf_token_from(page), **review_data("0")})
    assert as_html.status_code == 422
    assert 'class="error-summary"' in as_html.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Review.id))) == 0
