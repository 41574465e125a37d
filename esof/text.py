"""Text helpers shared by every area: slugs for URLs and filters."""
from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa

from esof.extensions import db

MAX_SLUG_LENGTH = 80


def slugify(text: str, *, fallback: str = "item") -> str:
    """'Société Française de Physique' -> 'societe-francaise-de-physique': accents folded to
    ASCII (not dropped), anything else becomes one hyphen."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    # Cut, then strip: a cut at a word break must not leave a trailing hyphen.
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower())[:MAX_SLUG_LENGTH].strip("-") or fallback


def unique_slug(
    column: sa.orm.InstrumentedAttribute[str], text: str, *, fallback: str = "item",
    other_than: sa.ColumnElement[bool] | None = None,
) -> str:
    """A slug for `text` not yet used in `column`: 'lab', then 'lab-2', 'lab-3' ...

    `other_than` leaves a row out of the search (the one being renamed keeps its slug)."""
    base = slugify(text, fallback=fallback)
    slug, n = base, 2
    taken = sa.select(column).where(column == sa.bindparam("slug")).limit(1)
    if other_than is not None:
        taken = taken.where(other_than)
    while db.session.scalar(taken, {"slug": slug}) is not None:
        suffix = f"-{n}"
        slug, n = base[: MAX_SLUG_LENGTH - len(suffix)].rstrip("-") + suffix, n + 1
    return slug
