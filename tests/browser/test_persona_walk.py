"""Every persona of the demo walked in Chromium (issue 24): log in through the real form, land
where the product sends them, and follow their main journey by clicking what they see, with
axe (WCAG 2.1 A/AA, no serious or critical violation) on every page reached.

The walk has its own copy of the demo (it books, reviews, submits and corrects), served with
the door's scan window open. A page answering 5xx, a missing link or button (Playwright finds
none within its timeout) or an unexpected landing fails the walk.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from esof.extensions import db
from tests.browser.conftest import log_in, new_page
from tests.browser.harness import (
    DESKTOP,
    LIVE_CONFIG,
    PHONE,
    LiveServer,
    blocking,
    copy_database,
    describe_violations,
    page_overflow,
    run_axe,
)
from tests.browser.site import DemoSite, load_demo_data
from tests.demo_world import PERSONA_LOGINS

pytestmark = pytest.mark.browser


@contextmanager
def walk_site(template: Path, folder: Path) -> Iterator[DemoSite]:
    from tests.conftest import make_app

    now = datetime.now(UTC)
    app = make_app(copy_database(template, folder / "esof.sqlite"), **LIVE_CONFIG,
                   CHECKIN_SCAN_WINDOW=(now - timedelta(days=1), now + timedelta(days=1)))
    app.instance_path = str(folder / "instance")
    Path(app.instance_path).mkdir(exist_ok=True)
    with app.app_context():
        facts = load_demo_data(app)
        db.session.remove()
    try:
        with LiveServer(app) as server:
            site = DemoSite(server=server, **facts)  # type: ignore[arg-type]
            site.app = app  # type: ignore[attr-defined]
            yield site
    finally:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="module")
def site(browser_tools: None, sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoSite]:
    with walk_site(sqlite_template, tmp_path_factory.mktemp("persona-walk")) as demo:
        yield demo


def query(site: DemoSite, sql: str, **params: Any) -> Any:
    with site.app.app_context():  # type: ignore[attr-defined]
        value = db.session.execute(sa.text(sql), params).scalar()
        db.session.remove()
    return value


class Walk:
    """One person's tab: every page it reaches is checked for 5xx and for axe violations."""

    def __init__(self, browser: Any, site: DemoSite, persona: str, viewport: dict[str, int]) -> None:
        self.site, self.persona = site, persona
        self.tab = new_page(browser, viewport=viewport)
        self.failures: list[str] = []
        self.steps: list[str] = []
        self.tab.on("response", self._record)

    def _record(self, response: Any) -> None:
        if response.request.resource_type == "document" and response.status >= 500:
            self.failures.append(f"{response.status} {response.url}")

    def log_in(self) -> None:
        email = PERSONA_LOGINS[self.persona]
        assert email is not None
        self.tab.goto(self.site("/"))
        self.tab.get_by_role("navigation", name="Main").get_by_role("link", name=re.compile("Log in|Inloggen")).click()
        self.page(heading=re.compile("Log in|Inloggen"))
        log_in(self.tab, self.site, email)  # the real form: email, password, the button

    def click(self, role: str, name: str | re.Pattern[str], *, within: str = "main") -> None:
        self.tab.get_by_role("main" if within == "main" else "banner").get_by_role(role, name=name).first.click()
        self.tab.wait_for_load_state()

    def page(self, *, heading: str | re.Pattern[str], path: str | re.Pattern[str] | None = None,
             shows: tuple[str, ...] = ()) -> None:
        """The page reached: its address, its h1, what it shows, no 5xx on the way, axe clean."""
        self.tab.wait_for_load_state()
        url = self.tab.url
        where = f"{self.persona} step {len(self.steps) + 1} ({url})"
        assert not self.failures, f"{where}: server errors {self.failures}"
        if path is not None:
            assert (re.search(path, url) if isinstance(path, re.Pattern) else url.endswith(path)), where
        h1 = self.tab.locator("h1").first.inner_text()
        assert (heading.search(h1) if isinstance(heading, re.Pattern) else heading == h1), f"{where}: h1 {h1!r}"
        main = self.tab.locator("main").inner_text()
        for text in shows:
            assert text in main, f"{where}: {text!r} not shown"
        violations = blocking(run_axe(self.tab))
        assert not violations, describe_violations(where, violations)
        self.steps.append(url)

    def close(self) -> None:
        self.tab.context.close()


@pytest.fixture
def walk(browser: Any, site: DemoSite) -> Iterator[Any]:
    walks: list[Walk] = []

    def start(persona: str, viewport: dict[str, int] = DESKTOP) -> Walk:
        walks.append(Walk(browser, site, persona, viewport))
        return walks[-1]

    yield start
    for one in walks:
        one.close()


def test_every_persona_of_the_demo_is_walked_here() -> None:
    walked = {"anonymous", "delegate", "speaker", "reviewer", "partner", "checkin", "organiser", "admin"}
    others = {"other delegate", "other partner"}  # the same journeys, used by the access tests
    assert set(PERSONA_LOGINS) == walked | others


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["375px", "1280px"])
def test_visitor_reads_the_programme_and_a_session(walk, site: DemoSite, viewport: dict[str, int]) -> None:
    me = walk("anonymous", viewport)
    me.tab.goto(site("/"))
    me.page(heading=re.compile("ESOF|EuroScience"), path="/")
    me.click("link", "Programme", within="banner")
    me.page(heading="Programme", path="/programme/")
    first = me.tab.locator("main article h3 a, main .session-list h3 a").first
    title = first.inner_text()
    first.click()
    me.page(heading=title, path=re.compile(r"/programme/sessions/\d+$"))
    me.click("link", "Log in", within="banner")
    me.page(heading="Log in", path=re.compile("/account/login"))


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["375px", "1280px"])
def test_delegate_books_a_session_and_finds_it_in_the_agenda_and_the_ticket(walk, site: DemoSite,
                                                                             viewport: dict[str, int]) -> None:
    me = walk("delegate", viewport)
    me.log_in()
    me.page(heading="Your account", path="/account/", shows=("My registration", "My ticket"))
    me.click("link", "Programme", within="banner")
    me.page(heading="Programme", path="/programme/")
    # A session this delegate has not booked yet, found as they would: the list marks it (once
    # the walk at the other width has taken the free seat, its waiting list).
    book = re.compile("^(Book a seat|Join the waiting list)$")
    item = me.tab.locator("main li, main article").filter(has=me.tab.get_by_role("button", name=book)).first
    title = item.locator("h3 a, h2 a").first.inner_text()
    item.locator("h3 a, h2 a").first.click()
    me.page(heading=title, path=re.compile(r"/programme/sessions/\d+$"))
    me.click("button", book)
    me.page(heading=title)
    assert me.tab.get_by_role("main").get_by_role(
        "button", name=re.compile("^(Cancel my booking|Leave the waiting list)$")).count() == 1
    me.click("link", "My agenda", within="banner")
    me.page(heading="My agenda", path="/programme/agenda", shows=(title,))
    me.click("link", "My ticket", within="banner")
    me.page(heading=re.compile("ticket", re.I), path="/registration/ticket")
    code = me.tab.locator("[data-ticket-code]").first.inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z-]{6,16}", code), code


def test_speaker_reaches_their_page_and_a_proposal(walk, site: DemoSite) -> None:
    me = walk("speaker")
    me.log_in()
    me.page(heading="Your account", path="/account/")  # speakers land on their account page
    me.click("link", "Your speaker page")
    me.page(heading="Your speaker page", path="/speaker/", shows=("Your sessions",))
    me.click("link", "Your proposals")
    me.page(heading="Your proposals", path="/cfp/mine")
    proposal = me.tab.get_by_role("main").locator("a[href*='/cfp/proposals/']").first
    title = proposal.inner_text().strip()
    proposal.click()
    me.page(heading=re.compile(r"Proposal #\d+"), path=re.compile(r"/cfp/proposals/\d+$"), shows=(title, "Speakers"))


def test_reviewer_scores_a_proposal_from_the_queue(walk, site: DemoSite) -> None:
    me = walk("reviewer")
    me.log_in()
    me.page(heading="Your account", path="/account/")  # reviewers land on their account page
    me.click("link", "Review proposals")
    me.page(heading="Review proposals", path="/review/")
    proposal = me.tab.get_by_role("main").locator("a[href*='/review/proposals/']").first
    title = proposal.inner_text().strip()
    proposal.click()
    me.page(heading=re.compile("Review: " + re.escape(title)), path=re.compile(r"/review/proposals/\d+$"))
    for group in me.tab.get_by_role("main").locator("fieldset").all():
        radios = group.get_by_role("radio")
        if radios.count():
            radios.nth(3).check()  # 4 of 5
    me.tab.get_by_label("Comment for the committee").fill("Clear aims; the speakers cover the field well.")
    me.click("button", "Save my review")
    me.page(heading=re.compile("Review"), shows=())
    assert "saved" in me.tab.locator(".flashes").inner_text().lower()
    reviewer_id = query(site, "SELECT id FROM user_account WHERE email = :e", e=PERSONA_LOGINS["reviewer"])
    assert query(site, "SELECT count(*) FROM cfp_review WHERE reviewer_id = :r AND comment LIKE 'Clear aims%'",
                 r=reviewer_id) == 1


def test_partner_drafts_a_new_event_from_my_events(walk, site: DemoSite) -> None:
    me = walk("partner")
    me.log_in()  # a Dutch-speaking partner: the pages answer in Dutch
    me.page(heading="Mijn activiteiten", path="/calendar/mine")
    me.click("link", "Activiteit aanmelden")
    me.page(heading="Activiteit aanmelden", path="/calendar/submit")
    form = me.tab.get_by_role("main")
    form.get_by_label("Titel in het Nederlands").fill("Proefjes in de Pieterskerk")
    form.get_by_label("Beschrijving in het Nederlands").fill("Kinderen doen proefjes met licht en geluid.")
    form.get_by_label("Titel in het Engels").fill("Experiments in the Pieterskerk")
    form.get_by_label("Beschrijving in het Engels").fill("Children try experiments with light and sound.")
    form.get_by_label("Kinderen").check()
    form.get_by_label("Naam van de locatie").fill("Pieterskerk")
    form.get_by_label("Adres", exact=True).fill("Pieterskerkhof 1a, Leiden")
    form.get_by_label("Begindatum").fill("2022-07-14")
    form.get_by_label("Begintijd").fill("14:00")
    form.get_by_label("Einddatum").fill("2022-07-14")
    form.get_by_label("Eindtijd").fill("16:00")
    me.click("button", "Als concept bewaren")  # Save as draft
    # The preview of the draft: its page, marked as a draft, with the dates it will have.
    me.page(heading=re.compile("Proefjes in de Pieterskerk"), path=re.compile(r"/calendar/events/\d+$"),
            shows=("concept, nog niet ter goedkeuring ingestuurd",))
    assert me.tab.locator(".flashes").inner_text().startswith("Bewaard als concept.")
    assert query(site, "SELECT count(*) FROM side_event e JOIN side_event_revision r ON r.event_id = e.id"
                       " WHERE r.title_nl = 'Proefjes in de Pieterskerk' AND e.state = 'draft'") == 1
    me.tab.goto(site("/calendar/mine"))  # the address they landed on (the header has no link to it)
    me.page(heading="Mijn activiteiten", path="/calendar/mine", shows=("Proefjes in de Pieterskerk",))


def test_door_staff_land_on_the_scanner_and_scan_a_ticket_on_a_phone(walk, site: DemoSite) -> None:
    code, name = a_ticket_to_let_in(site)
    me = walk("checkin", PHONE)
    me.log_in()
    me.page(heading="Check-in", path="/checkin/")
    door = me.tab.get_by_label("Door")
    door.select_option(index=1 if door.locator("option").first.get_attribute("value") == "" else 0)
    me.click("button", "Scan at this door")
    me.page(heading="Check-in", path=re.compile(r"/checkin/\?door="))
    field = me.tab.locator("input[name=code]")
    field.fill(code)
    field.press("Enter")
    answer = me.tab.locator("#scan-result[data-tone='go']")
    answer.wait_for()
    assert "GO — let in" in answer.inner_text() and name in answer.inner_text()
    me.page(heading="Check-in")


def a_ticket_to_let_in(site: DemoSite) -> tuple[str, str]:
    """The ticket code and name of a confirmed onsite delegate with nothing left to pay."""
    from esof.registration.models import Attendance, PaymentStatus, Registration, RegistrationStatus
    from esof.registration.tickets import ticket_code

    with site.app.app_context():  # type: ignore[attr-defined]
        registration = db.session.scalars(sa.select(Registration).where(
            Registration.status == RegistrationStatus.CONFIRMED, Registration.attendance == Attendance.ONSITE,
            Registration.payment_status.in_([PaymentStatus.PAID, PaymentStatus.WAIVED]),
            Registration.user_id.is_not(None)).order_by(Registration.id)).first()
        assert registration is not None
        found = ticket_code(registration), registration.full_name
        db.session.remove()
    return found


def test_organiser_goes_from_home_to_sessions_and_corrects_a_registration(walk, site: DemoSite) -> None:
    me = walk("organiser")
    me.log_in()
    me.page(heading="Organiser", path="/organiser/")
    me.click("link", "Programme sessions")
    me.page(heading="Sessions", path=re.compile("/programme/organiser/sessions"))
    me.click("link", "Organiser", within="banner")
    me.page(heading="Organiser", path="/organiser/")
    me.click("link", "Registrations")
    me.page(heading="Registrations", path="/registration/organiser/", shows=("Export as CSV",))
    person = me.tab.get_by_role("main").locator("table a[href*='/registration/organiser/']").first
    name = person.inner_text().strip()
    person.click()
    me.page(heading=re.compile(r"Registration "), path=re.compile(r"/registration/organiser/\d+$"),
            shows=(name, "Sessions booked", "Send the confirmation again"))
    me.click("link", "Correct the registration")
    me.page(heading=f"Correct the registration of {name}", path=re.compile(r"/edit$"))
    me.tab.get_by_label("Affiliation", exact=True).fill("Naturalis Biodiversity Center")
    me.click("button", "Save the correction")
    me.page(heading=re.compile(r"Registration "), shows=("Naturalis Biodiversity Center",))
    assert me.tab.locator(".flashes").inner_text().strip() == "The registration is corrected."


def test_organiser_registration_pages_fit_a_phone(walk, site: DemoSite) -> None:
    me = walk("organiser", PHONE)
    me.log_in()
    me.page(heading="Organiser", path="/organiser/")
    me.click("link", "Registrations")
    me.page(heading="Registrations", path="/registration/organiser/")
    me.tab.get_by_role("main").locator("table a[href*='/registration/organiser/']").first.click()
    me.page(heading=re.compile(r"Registration "), path=re.compile(r"/registration/organiser/\d+$"))
    for step in ("detail", "edit"):
        if step == "edit":
            me.click("link", "Correct the registration")
            me.page(heading=re.compile("Correct the registration of "), path=re.compile(r"/edit$"))
        overflow = page_overflow(me.tab)
        assert overflow["scrollWidth"] <= overflow["clientWidth"], (step, overflow)


def test_admin_finds_a_person_in_people_and_roles(walk, site: DemoSite) -> None:
    me = walk("admin")
    me.log_in()
    me.page(heading="Organiser", path="/organiser/")
    me.click("link", "Admin", within="banner")
    me.page(heading="People and roles", path=re.compile("/admin/users"))
    me.tab.get_by_role("main").get_by_role("searchbox").first.fill("delegate1")
    me.click("button", "Search")
    me.page(heading="People and roles", shows=("delegate1@example.org",))
    person = me.tab.get_by_role("main").locator("tr", has_text="delegate1@example.org").get_by_role("link").first
    name = person.inner_text().strip()
    person.click()
    me.page(heading=re.compile(re.escape(name)), path=re.compile(r"/admin/users/\d+"), shows=("delegate1@example.org",))
