"""What a person does at the conference besides registering, for the organiser's registration
page: the areas above registration (bookings, …) register a section here, as they register
their part of the data export (gdpr.register_personal_data_section), so registration never
imports them.

A section answers with plain rows of codes and times for one registration (bookings are the
person's, door scans the registration's own); registration's page words the codes (labels.py)
and shows the times in Europe/Amsterdam. Each section must answer in a fixed number of queries,
whatever the number of rows: the page's query count is tested.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from esof.registration.models import Registration


@dataclass(frozen=True)
class ActivityRow:
    title: str
    status: str  # a code of labels.BOOKING (or of the section's own kind)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    place: str = ""
    url: str = ""
    position: int | None = None  # on a waiting list
    note: str = ""  # words of the section's own, shown after the status (why a scan was stopped)


PersonActivity = Callable[[Registration], list[ActivityRow]]
_sections: dict[str, PersonActivity] = {}


def register_person_activity(name: str, collect: PersonActivity) -> None:
    """`collect(registration)` gives the rows of section `name` (a kind of labels.KINDS)."""
    _sections[name] = collect


def person_activity(registration: Registration) -> dict[str, list[ActivityRow]]:
    """Every registered section's rows for the registration, by name."""
    return {name: collect(registration) for name, collect in sorted(_sections.items())}
