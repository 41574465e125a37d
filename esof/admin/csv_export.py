"""The audit log as CSV, streamed in chunks; every cell neutralised against spreadsheet formulas."""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from esof.conference import to_local
from esof.csv_safety import stream_csv

CSV_COLUMNS = ("id", "at", "actor_id", "actor_email", "action", "target_type", "target_id", "detail")


def audit_row(row: Any) -> tuple[object, ...]:
    """One row of esof.admin.queries.audit_export_rows."""
    return (
        row.id, to_local(row.created_at).isoformat(), row.actor_id if row.actor_id is not None else "",
        row.actor_email or "", row.action, row.target_type,
        row.target_id if row.target_id is not None else "",
        json.dumps(row.detail or {}, ensure_ascii=False, sort_keys=True),
    )


def audit_csv(rows: Iterable[Any]) -> Iterator[str]:
    return stream_csv(CSV_COLUMNS, (audit_row(row) for row in rows))
