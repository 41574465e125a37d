"""The audit log as CSV, streamed in chunks; every cell neutralised against spreadsheet formulas."""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from esof.conference import to_local
from esof.registration.csv_export import CHUNK_CHARS, csv_safe

CSV_COLUMNS = ("id", "at", "actor_id", "actor_email", "action", "target_type", "target_id", "detail")


def audit_row(row: Any) -> list[str]:
    """One row of esof.admin.queries.audit_export_rows."""
    values = (
        row.id, to_local(row.created_at).isoformat(), row.actor_id if row.actor_id is not None else "",
        row.actor_email or "", row.action, row.target_type,
        row.target_id if row.target_id is not None else "",
        json.dumps(row.detail or {}, ensure_ascii=False, sort_keys=True),
    )
    return [csv_safe(value) for value in values]


def audit_csv(rows: Iterable[Any]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow(audit_row(row))
        if buffer.tell() > CHUNK_CHARS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
