"""The base layout: landmarks, skip link, language, navigation, labels, contrast."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from esof.extensions import db
from tests.factories import UserFactory
from tests.support import IsolatedClient, log_in


@pytest.fixture(autouse=True)
def isolated_requests(app: Flask) -> None:
    """Each request in its own context, so one request's locale is not cached for the next."""
    app.test_client_class = IsolatedClient


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str | None]
    children: list[Node] = field(default_factory=list)
    parts: list[str | Node] = field(default_factory=list)

    @property
    def text(self) -> str:
        pieces = [p if isinstance(p, str) else p.text for p in self.parts]
        return " ".join(" ".join(pieces).split())

    def iter(self) -> list[Node]:
        found = [self]
        for child in self.children:
            found.extend(child.iter())
        return found

    def find_all(self, tag: str, **attrs: str) -> list[Node]:
        return [
            n for n in self.iter()
            if n.tag == tag and all(n.attrs.get(k.rstrip("_").replace("_", "-")) == v for k, v in attrs.items())
        ]

    def find(self, tag: str, **attrs: str) -> Node:
        found = self.find_all(tag, **attrs)
        assert len(found) == 1, f"expected one <{tag} {attrs}>, found {len(found)}"
        return found[0]


class TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, dict(attrs))
        self.stack[-1].children.append(node)
        self.stack[-1].parts.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].parts.append(data)


def parse(html: str) -> Node:
    builder = TreeBuilder()
    builder.feed(html)
    return builder.root


# Contract paths of the areas the layout links to. Areas that have not landed yet get a stand-in
# page at the same path, so the layout is tested on its own.
NAV_TARGETS = [
    ("programme.programme_index", "/programme/"),
    ("side_events.calendar_index", "/calendar/"),
    ("registration.registration_form", "/registration/"),
]


@pytest.fixture
def site(app: Flask) -> Flask:
    for endpoint, path in NAV_TARGETS:
        if endpoint not in app.view_functions:
            app.add_url_rule(path, endpoint=endpoint, view_func=lambda: "stand-in")
    return app


def nav_links(page: Node) -> list[tuple[str, str]]:
    nav = page.find("nav", class_="site-nav")
    return [(a.text, a.attrs["href"]) for a in nav.find_all("a")]


def test_home_page_has_landmarks_and_skip_link(client: FlaskClient) -> None:
    page = parse(client.get("/").get_data(as_text=True))

    html = page.find("html")
    assert html.attrs["lang"] == "en"
    body = page.find("body")
    first_link = body.find_all("a")[0]
    assert (first_link.attrs["href"], first_link.text) == ("#main", "Skip to main content")
    assert first_link.attrs["class"] == "skip-link"
    main = page.find("main")
    assert (main.attrs["id"], main.attrs["tabindex"]) == ("main", "-1")
    assert len(page.find_all("header")) == 1
    assert len(page.find_all("footer")) == 1
    assert [n.attrs["aria-label"] for n in page.find_all("nav")] == ["Main", "Language"]
    assert [h.text for h in page.find_all("h1")] == ["EuroScience Open Forum 2022"]
    assert page.find("title").text == "Home · ESOF 2022"
    viewport = page.find("meta", name="viewport")
    assert viewport.attrs["content"] == "width=device-width, initial-scale=1"


def test_home_page_states_dates_in_conference_zone(client: FlaskClient) -> None:
    page = parse(client.get("/").get_data(as_text=True))

    times = [(t.attrs["datetime"], t.text) for t in page.find_all("time")]
    assert times == [
        ("2022-07-13T07:00:00+00:00", "Wednesday 13 July 2022, 09:00 CEST"),
        ("2022-07-16T15:00:00+00:00", "Saturday 16 July 2022, 17:00 CEST"),
    ]
    assert "All conference times are local times in Leiden (Europe/Amsterdam (CEST))." in page.text


def test_navigation_for_visitors(site: Flask) -> None:
    page = parse(site.test_client().get("/").get_data(as_text=True))

    assert nav_links(page) == [
        ("Programme", "/programme/"),
        ("City of Science calendar", "/calendar/"),
        ("Register", "/registration/"),
        ("Log in", "/account/login"),
    ]


def test_navigation_for_logged_in_user_has_account_and_logout_form(site: Flask) -> None:
    UserFactory(email="ada@example.org")
    db.session.commit()
    client = site.test_client()
    log_in(client, "ada@example.org")

    page = parse(client.get("/account/").get_data(as_text=True))

    assert nav_links(page) == [
        ("Programme", "/programme/"),
        ("City of Science calendar", "/calendar/"),
        ("Register", "/registration/"),
        ("Account", "/account/"),
    ]
    current = [a.text for a in page.find("nav", class_="site-nav").find_all("a") if a.attrs.get("aria-current")]
    assert current == ["Account"]
    logout = page.find("form", action="/account/logout")
    assert logout.attrs["method"] == "post"
    assert logout.find("input", name="csrf_token").attrs["type"] == "hidden"
    assert logout.find("button").text == "Log out"


def test_language_switch_offers_the_other_language(client: FlaskClient) -> None:
    page = parse(client.get("/account/login").get_data(as_text=True))

    switch = page.find("nav", class_="language-switch")
    form = switch.find("form")
    # A visitor's switch changes only this browser: a GET, so public pages need no session.
    assert (form.attrs["method"], form.attrs["action"]) == ("get", "/language/nl")
    assert [(i.attrs["type"], i.attrs["name"], i.attrs["value"]) for i in form.find_all("input")] == [
        ("hidden", "next", "/account/login")
    ]
    button = form.find("button")
    assert (button.attrs["type"], button.attrs["lang"], button.text) == ("submit", "nl", "Nederlands")
    assert switch.find("span", aria_current="true").text == "English"


def test_language_switch_gives_a_visitor_no_cookie(client: FlaskClient) -> None:
    """A CSRF token in every page's switch would put a session cookie on every public page."""
    response = client.get("/")

    assert response.headers.get("Set-Cookie") is None
    assert parse(response.get_data(as_text=True)).find("nav", class_="language-switch").find("form")


def test_language_switch_of_a_logged_in_person_posts_with_csrf_token(site: Flask) -> None:
    UserFactory(email="ada@example.org")
    db.session.commit()
    client = site.test_client()
    log_in(client, "ada@example.org")

    page = parse(client.get("/programme/?day=2022-07-13").get_data(as_text=True))

    form = page.find("nav", class_="language-switch").find("form")
    assert (form.attrs["method"], form.attrs["action"]) == ("post", "/language/nl")
    assert [(i.attrs["type"], i.attrs["name"]) for i in form.find_all("input")] == [
        ("hidden", "csrf_token"), ("hidden", "next")]
    assert form.find("input", name="next").attrs["value"] == "/programme/?day=2022-07-13"
    assert form.find("button").text == "Nederlands"


def test_language_switch_turns_pages_dutch_and_back(client: FlaskClient) -> None:
    response = client.get("/language/nl", query_string={"next": "/account/login"})

    assert response.headers["Location"] == "/account/login"
    dutch = parse(client.get("/account/login").get_data(as_text=True))
    assert dutch.find("html").attrs["lang"] == "nl"
    assert dutch.find("h1").text == "Inloggen"
    client.get("/language/en")
    assert parse(client.get("/").get_data(as_text=True)).find("html").attrs["lang"] == "en"


def test_dutch_request_gets_dutch_layout(site: Flask) -> None:
    page = parse(site.test_client().get("/", headers={"Accept-Language": "nl"}).get_data(as_text=True))

    assert page.find("html").attrs["lang"] == "nl"
    assert page.find("a", class_="skip-link").text == "Direct naar de inhoud"
    assert [n.attrs["aria-label"] for n in page.find_all("nav")] == ["Hoofdmenu", "Taal"]
    assert nav_links(page) == [
        ("Programma", "/programme/"),
        ("City of Science-agenda", "/calendar/"),
        ("Registreren", "/registration/"),
        ("Inloggen", "/account/login"),
    ]
    assert page.find("footer").text == (
        "ESOF 2022 · 13–16 juli 2022 · Leiden, Nederland · Locaties Alle tijden zijn in Europe/Amsterdam."
    )


def test_dutch_error_page_is_in_the_layout(client: FlaskClient) -> None:
    response = client.get("/no-such-page", headers={"Accept-Language": "nl"})

    page = parse(response.get_data(as_text=True))
    assert response.status_code == 404
    assert page.find("html").attrs["lang"] == "nl"
    assert page.find("h1").text == "Pagina niet gevonden"
    assert "Deze pagina bestaat niet." in page.find("main").text
    assert page.find("a", class_="skip-link").attrs["href"] == "#main"


@pytest.mark.parametrize("path", ["/account/login", "/account/signup", "/account/password-reset"])
def test_every_form_field_has_a_label(client: FlaskClient, path: str) -> None:
    html = client.get(path).get_data(as_text=True)
    page = parse(html)

    fields = [
        n for n in page.find("main").iter()
        if n.tag in {"input", "select", "textarea"} and n.attrs.get("type") != "hidden"
    ]
    labels = {label.attrs.get("for") for label in page.find_all("label")}
    assert fields
    assert [f.attrs["id"] for f in fields if f.attrs.get("id") not in labels] == []
    assert '="None"' not in html


def relative_luminance(colour: str) -> float:
    colour = colour.lstrip("#")
    if len(colour) == 3:
        colour = "".join(c * 2 for c in colour)
    channels = [int(colour[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_palette_meets_wcag_aa_contrast(app: Flask) -> None:
    css = (Path(app.root_path) / "static" / "css" / "site.css").read_text()
    palette = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{3,6})\b", css))
    palette["white"] = "#ffffff"
    text_pairs = [  # (text, background) as used in site.css, AA body text needs 4.5:1
        ("ink", "white"), ("muted", "white"), ("muted", "surface"), ("brand", "white"),
        ("brand", "surface"), ("white", "brand"), ("white", "brand-dark"), ("white", "ink"),
        ("accent", "white"), ("ok", "white"), ("warn", "white"), ("warn", "surface"),
    ]
    ratios = {pair: round(contrast(palette[pair[0]], palette[pair[1]]), 2) for pair in text_pairs}

    assert {pair: r for pair, r in ratios.items() if r < 4.5} == {}
    # Focus ring: 3:1 against the dark ring around it and against the header (non-text contrast).
    assert contrast(palette["focus"], palette["ink"]) >= 3
    assert contrast(palette["focus"], palette["brand"]) >= 3
    assert re.search(r":focus-visible\s*\{[^}]*outline:\s*3px solid var\(--focus\)", css)
