"""The organiser home: who may open it, its links, its charts (safe and accessible SVG) and
a query count that does not grow with the data."""
from __future__ import annotations

import re
import time

import pytest
from flask import Flask
from flask.testing import FlaskClient

from esof.accounts.models import Role
from esof.extensions import db
from esof.organiser.tools import TOOL_GROUPS
from tests.organiser import data
from tests.organiser.conftest import client_as
from tests.support import QueryCounter


def test_anonymous_visitors_are_sent_to_log_in(app: Flask) -> None:
    response = app.test_client().get("/organiser/")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


@pytest.mark.parametrize("roles", [(Role.DELEGATE,), (Role.CHECKIN,), (Role.REVIEWER, Role.PARTNER, Role.SPEAKER)])
def test_people_without_the_organiser_role_get_403(app: Flask, roles) -> None:
    assert client_as(app, "someone@example.org", *roles).get("/organiser/").status_code == 403


def tool_links(page: str) -> list[str]:
    tools = page.split('id="tools-heading"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'<a href="([^"]+)"', tools)


def test_home_links_every_organiser_tool_and_each_opens(app: Flask, organiser_client: FlaskClient) -> None:
    page = organiser_client.get("/organiser/").get_data(as_text=True)
    links = tool_links(page)
    expected = {t.endpoint for g in TOOL_GROUPS for t in g.tools
                if t.role == Role.ORGANISER and t.endpoint in app.view_functions}
    assert len(links) == len(expected) >= 18
    for href in ["/registration/organiser/", "/registration/organiser/categories", "/organiser/venues/",
                 "/programme/organiser/sessions", "/programme/organiser/schedule",
                 "/programme/organiser/schedule/propose", "/programme/organiser/proposals", "/cfp/organiser/call",
                 "/programme/organiser/publish", "/calendar/moderation", "/organiser/mail/", "/checkin/occupancy",
                 "/checkin/badges"]:
        assert href in links
    assert "/admin/users" not in links  # admins only
    for href in links:
        assert organiser_client.get(href).status_code == 200, href


def test_admins_also_get_people_and_audit(app: Flask) -> None:
    links = tool_links(client_as(app, "admin@example.org", Role.ADMIN).get("/organiser/").get_data(as_text=True))
    assert "/admin/users" in links and "/admin/audit" in links


def test_dashboard_charts_are_inline_svg_without_script_or_inline_style(app: Flask, organiser_client) -> None:
    data.populate(9)
    page = organiser_client.get("/organiser/").get_data(as_text=True)
    svgs = re.findall(r"<svg.*?</svg>", page, flags=re.S)
    assert len(svgs) == 9  # every panel has data to draw
    for svg in svgs:
        assert "<script" not in svg and "<style" not in svg and " style=" not in svg
        assert "onload" not in svg and "javascript:" not in svg
        labelled = re.search(
            r'role="img" aria-labelledby="(chart-[\w-]+-title)" aria-describedby="(chart-[\w-]+-desc)"', svg
        )
        assert labelled, svg[:200]
        assert f'id="{labelled.group(1)}"' in page and f'id="{labelled.group(2)}"' in page
    assert page.count("<details class=\"chart-numbers\">") == 9
    # the numbers behind the chart, as a table: the payments in euro
    payments = page.split('id="chart-payments-title"', 1)[1].split("</section>", 1)[0]
    assert '<th scope="row">Pending</th><td class="number">3</td><td class="number">€1,350.00</td>' in payments


def test_an_empty_site_says_there_is_nothing_to_show(app: Flask, organiser_client) -> None:
    page = organiser_client.get("/organiser/").get_data(as_text=True)
    assert "<svg" not in page and page.count("Nothing to show yet.") == 9


def test_chart_stylesheet_names_the_chart_class_not_random_ids(app: Flask) -> None:
    response = app.test_client().get("/organiser/charts.css")
    css = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/css"
    assert "svg.pygal-chart .axis" in css and "#chart-" not in css and "<" not in css


def test_dashboard_is_in_dutch_for_a_dutch_organiser(app: Flask) -> None:
    from esof.accounts.models import User

    client = client_as(app, "org@example.org", Role.ORGANISER)
    db.session.scalar(db.select(User).where(User.email == "org@example.org")).language = "nl"
    db.session.commit()
    data.populate(3)
    page = client.get("/organiser/").get_data(as_text=True)
    assert "Registraties per dag" in page and "Regulier" in page


def count(client: FlaskClient) -> int:
    with QueryCounter(db.engine) as queries:
        assert client.get("/organiser/").status_code == 200
    return queries.count


def test_query_count_does_not_grow_with_the_data(app: Flask, organiser_client) -> None:
    data.populate(6)
    few = count(organiser_client)
    data.populate_more(60)
    assert count(organiser_client) == few
    assert few <= 20


def test_a_new_registration_shows_at_once(app: Flask, organiser_client) -> None:
    data.populate(3)
    before = organiser_client.get("/organiser/").get_data(as_text=True)
    data.populate_more(3)
    after = organiser_client.get("/organiser/").get_data(as_text=True)
    assert "2 onsite" in before and "4 onsite" in after
    assert time.monotonic()  # no cache in between: the figure is read per request
