"""Check-in's part of a person's page and data: the door scans of a registration (the
organiser's registration page) and of all of a person's registrations (their data export).

Registration ranks below check-in, so check-in registers its sections (the organiser's
registration page, the data export) instead of registration reading check-in's tables;
:func:`connect_receivers` is called once, by the factory's register_signal_receivers.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from esof.accounts.models import User
from esof.checkin.answers import stopping_warning, warning_message
from esof.checkin.models import CheckIn
from esof.extensions import db
from esof.registration.gdpr import register_personal_data_section
from esof.registration.models import Registration
from esof.registration.person_activity import ActivityRow, register_person_activity
from esof.venues.models import Room, Venue

# The organiser's page answers "was this person there, and when": the latest scans tell it;
# the data export gives every scan.
LATEST_SCANS = 50

_room_venue = aliased(Venue)


def _scans(where: sa.ColumnElement[bool], limit: int | None) -> list[sa.Row[Any]]:
    """(time, direction, counted, warnings, source, room, venue) of the scans `where` selects,
    newest first, in one query: a room door names its room and the room's venue, an entrance
    its venue."""
    query = (
        sa.select(CheckIn.scanned_at, CheckIn.direction, CheckIn.counted, CheckIn.warnings, CheckIn.source,
                  Room.name, sa.func.coalesce(Venue.name, _room_venue.name))
        .join(Registration, Registration.id == CheckIn.registration_id)
        .outerjoin(Room, Room.id == CheckIn.room_id)
        .outerjoin(_room_venue, _room_venue.id == Room.venue_id)
        .outerjoin(Venue, Venue.id == CheckIn.venue_id)
        .where(where)
        .order_by(CheckIn.scanned_at.desc(), CheckIn.id.desc())
    )
    return list(db.session.execute(query.limit(limit) if limit else query).all())


def scan_status(direction: str, counted: bool, warnings: str) -> tuple[str, str]:
    """(a code of registration.labels.SCAN, why it was stopped): a scan that moved no counter
    says so, and one the door refused (unpaid, online only, cancelled …) says why."""
    if counted:
        return direction, ""
    reason = stopping_warning(warnings.split()) if direction == "in" else None
    if reason is not None:
        return "in-stopped", warning_message(reason)
    return f"{direction}-uncounted", ""


def activity_of(registration: Registration) -> list[ActivityRow]:
    """The registration's latest door scans, for the organiser's registration page (its own:
    a cancelled registration shows what was scanned with it, not the person's new one)."""
    rows = _scans(CheckIn.registration_id == registration.id, LATEST_SCANS)
    found = []
    for scanned_at, direction, counted, warnings, _source, room, venue in rows:
        status, note = scan_status(str(direction), counted, warnings)
        found.append(ActivityRow(title=room or venue or "", place=venue if room else "", starts_at=scanned_at,
                                 status=status, note=note))
    return found


def personal_data(user: User) -> list[dict[str, Any]]:
    """The data export's "door_scans" section: every scan, oldest first."""
    rows = reversed(_scans(Registration.user_id == user.id, None))
    return [
        {"at": scanned_at.isoformat(), "direction": str(direction), "counted": counted,
         "door": ", ".join(p for p in (room, venue) if p), "offline": source == "offline",
         "warnings": warnings.split()}
        for scanned_at, direction, counted, warnings, source, room, venue in rows
    ]


def connect_receivers() -> None:
    register_personal_data_section("door_scans", personal_data)
    register_person_activity("scan", activity_of)
