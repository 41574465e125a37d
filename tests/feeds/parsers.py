"""Parse feeds back with two independent parsers: icalendar (Python) and ical.js (node)."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar

from tests.support import IN_CI

REPO = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("ical_check.mjs")


def parse_with_icalendar(body: bytes) -> Calendar:
    return Calendar.from_ical(body)


def parse_with_icaljs(body: bytes) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None or not (REPO / "node_modules" / "ical.js").exists():
        reason = "node and node_modules/ical.js are needed (make test installs them with npm ci)"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    result = subprocess.run(
        [node, str(SCRIPT)], input=body, capture_output=True, cwd=REPO, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr.decode()
    return json.loads(result.stdout)


def events_by_summary(response: Any) -> dict[str, dict[str, Any]]:
    """A feed response's events (parsed by ical.js), by their SUMMARY."""
    return {event["summary"]: event for event in parse_with_icaljs(response.data)["events"]}
