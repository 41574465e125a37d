"""Every action an area writes to the audit log has a readable name on the admins' page: a
new action without one would show its code (found so: nine actions of the questions, the
registration corrections and the partners' drafts had none)."""
from __future__ import annotations

import re
from pathlib import Path

import esof
from esof.admin.actions import LABELS

PACKAGE = Path(esof.__file__).resolve().parent
# record_audit(actor, "code", ...) and AuditLog(..., action="code", ...), literal codes only.
WRITES = (re.compile(r'record_audit\(\s*[^,()]+,\s*"([a-z0-9.-]+)"'), re.compile(r'\baction="([a-z0-9.-]+)"'))
# Written with a variable part: f"proposal-{decision.value}".
DECISIONS = ("proposal-accepted", "proposal-rejected", "proposal-waitlisted")


def written_actions() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for pattern in WRITES:
            for match in pattern.finditer(text):
                found.setdefault(match.group(1), str(path.relative_to(PACKAGE)))
    return found


def test_every_action_written_to_the_audit_log_has_a_name() -> None:
    written = written_actions()
    assert len(written) >= 40  # the scan still finds the writes
    missing = {code: where for code, where in written.items() if code not in LABELS}
    assert missing == {}
    assert all(code in LABELS for code in DECISIONS)
