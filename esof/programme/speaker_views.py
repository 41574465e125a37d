"""The public speaker pages: who speaks in the latest published version, and one speaker with
their published sessions. Names and affiliations are as published; bio and photo are the
speaker's own profile, read live."""
from __future__ import annotations

from itertools import groupby

from flask import abort, render_template, request
from flask.typing import ResponseReturnValue

from esof import access
from esof.page_cache import PROGRAMME, cached_page
from esof.programme import queries
from esof.programme.blueprint import bp
from esof.programme.filters import MAX_QUERY_LENGTH
from esof.programme.forms import FORMAT_LABELS

SPEAKERS_PER_PAGE = 100
# A speaker's bio and photo are their own profile, read live and not covered by the
# programme's change token: a profile edit shows on these pages within this time.
PROFILE_SECONDS = 60


def _page_arg() -> int:
    value = request.args.get("page", "")
    return int(value) if value.isascii() and value.isdigit() and 0 < int(value) <= 100_000 else 1


def initial(name: str) -> str:
    """The letter a speaker is listed under: the first letter of the name, else '#'."""
    first = name.strip()[:1].upper()
    return first if first.isalpha() else "#"


@bp.get("/speakers/")
@access.public
@cached_page(topics=(PROGRAMME,), args=("q", "page"), ttl=PROFILE_SECONDS, shared=True)
def speaker_index() -> ResponseReturnValue:
    version = queries.latest_version()
    q = request.args.get("q", "").strip()[:MAX_QUERY_LENGTH]
    page = _page_arg()
    total = queries.count_published_speakers(version.id, q) if version else 0
    speakers = queries.published_speakers(version.id, q=q, limit=SPEAKERS_PER_PAGE,
                                          offset=(page - 1) * SPEAKERS_PER_PAGE) if version and total else []
    groups = [(letter, list(rows)) for letter, rows in groupby(speakers, key=lambda s: initial(s.name))]
    pages = max(1, -(-total // SPEAKERS_PER_PAGE))
    return render_template("programme/speaker_index.html", version=version, groups=groups, q=q, total=total,
                           page=page, pages=pages)


@bp.get("/speakers/<int:person_id>")
@access.public
@cached_page(topics=(PROGRAMME,), ttl=PROFILE_SECONDS, shared=True)
def speaker_detail(person_id: int) -> ResponseReturnValue:
    version = queries.latest_version()
    speaker = queries.published_speaker(version.id, person_id) if version else None
    if version is None or speaker is None:
        abort(404)
    items = queries.speaker_published_sessions(version.id, person_id)
    return render_template("programme/speaker_detail.html", version=version, speaker=speaker, items=items,
                           formats=FORMAT_LABELS)
