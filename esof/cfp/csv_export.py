"""The organisers' CSV of proposals: the ranked list with its filters, every proposal on one
line with its scores and speakers. Titles and names are the speakers' own text, so every cell
goes through esof.csv_safety.stream_csv (a title like `=HYPERLINK(...)` stays text)."""
from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import sqlalchemy as sa
from flask import Response, request, stream_with_context
from flask.typing import ResponseReturnValue

from esof.cfp import queries
from esof.cfp.blueprint import bp, organiser_only
from esof.csv_safety import stream_csv
from esof.extensions import db
from esof.programme.models import Track

CSV_COLUMNS = (
    "id", "title", "format", "track", "state", "reviews", "mean_score", "spread", "lowest", "highest", "speakers",
)
# Every proposal of the list in one file: the call gets hundreds, not millions.
ALL_ROWS = 1_000_000


def _score(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def proposals_csv(proposal_filter: queries.ProposalFilter) -> Iterator[str]:
    """The list's rows in its order, every cell safe; three statements whatever the number."""
    page = queries.ranked_proposals(dataclasses.replace(proposal_filter, page=1, per_page=ALL_ROWS))
    tracks: dict[int | None, str] = dict(db.session.execute(sa.select(Track.id, Track.name)).tuples().all())
    return stream_csv(CSV_COLUMNS, (
        (
            row.id, row.title, row.format.value if row.format else "", tracks.get(row.track_id, ""),
            row.state.value, row.scores.count, _score(row.scores.mean), _score(row.scores.spread),
            "" if row.scores.low is None else row.scores.low, "" if row.scores.high is None else row.scores.high,
            "; ".join(row.speakers),
        )
        for row in page.items
    ))


@bp.get("/programme/organiser/proposals.csv")
@organiser_only
def organiser_proposals_csv() -> ResponseReturnValue:
    rows = proposals_csv(queries.ProposalFilter.from_args(request.args))
    response = Response(stream_with_context(rows), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="esof2022-proposals.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response
