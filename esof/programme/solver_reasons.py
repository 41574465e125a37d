"""Why a proposal moves a session, and the words for it.

A session moves because its place now breaks a hard rule by itself (a room too small, a speaker
no longer available ...), because it clashed there with another session, because another session
needs its place ("to make room for ..."), or, failing all of those, to improve the soft score.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _

from esof.programme.solver_problem import Place, Problem, overlapping, place_violations


def clashes(problem: Problem, sid: int, place: Place, placements: Mapping[int, Place]) -> list[tuple[str, int]]:
    """(code, other session) for every session of `placements` that the place of `sid` clashes
    with: the same room at once (rooms for parallel sessions excepted), a shared speaker at
    once or without the time to walk between the two venues."""
    s = problem.session_by_id[sid]
    room = problem.room_by_id.get(place.room_id)
    found = []
    speakers = set(s.speaker_ids)
    for other_id, other_place in placements.items():
        other = problem.session_by_id.get(other_id)
        if other_id == sid or other is None:
            continue
        if room is not None and other_place.room_id == room.id and not room.allows_parallel \
                and overlapping(s, place, other, other_place):
            found.append(("clash-room", other_id))
        elif speakers & set(other.speaker_ids):
            other_room = problem.room_by_id.get(other_place.room_id)
            walk = problem.walk(room, other_room) if room is not None and other_room is not None else 0
            if place.start - walk < other_place.start + other.minutes and \
                    other_place.start < place.start + s.minutes + walk:
                found.append(("clash-speaker", other_id))
    return found


def move_reason(problem: Problem, sid: int, old: Place, *, before: Mapping[int, Place],
                after: Mapping[int, Place]) -> dict[str, Any]:
    """Why `sid` leaves `old`: a hard rule its place breaks, a clash it had there, the session
    that takes its place now, or the soft goals."""
    s = problem.session_by_id[sid]
    broken = place_violations(problem, s, old)
    if broken:
        return {"code": broken[0]}
    had = clashes(problem, sid, old, before)
    if had:
        return {"code": had[0][0], "with": had[0][1]}
    taken = clashes(problem, sid, old, after)
    if taken:
        return {"code": "make-room", "for": taken[0][1]}
    return {"code": "improve"}


def unplaced_reason(problem: Problem, sid: int, unplaceable: Mapping[int, str]) -> dict[str, Any]:
    return {"code": {"room": "no-room", "time": "no-time"}.get(unplaceable.get(sid, ""), "no-free-place")}


def describe_reason(reason: Mapping[str, Any], titles: Mapping[int, str]) -> str:
    code = reason.get("code")

    def title(key: str) -> str:
        return f"“{titles.get(reason.get(key, 0), reason.get(key, ''))}”"

    words = {
        "room-missing": _("its room no longer exists"),
        "room-too-small": _("its room is now smaller than the expected audience or the bookings"),
        "step-free-missing": _("it needs a step-free room"),
        "parallel-room": _("its room is for parallel sessions (posters, socials) only"),
        "outside-days": _("its time is outside the conference days"),
        "outside-opening-hours": _("its time is outside the venue's opening hours"),
        "speaker-unavailable": _("a speaker is not available at its time"),
        "improve": _("to improve the schedule (tracks, crowds, balance)"),
        "published": _("back to its place in the published version"),
        "no-room": _("no room is large enough, step-free where needed, and of the right kind"),
        "no-time": _("no time fits the speakers' availability and the opening hours"),
        "no-free-place": _("no free place keeps every hard rule"),
    }
    if code in words:
        return str(words[code])
    if code == "clash-room":
        return _("it shared its room with %(other)s", other=title("with"))
    if code == "clash-speaker":
        return _("a speaker could not be at both it and %(other)s", other=title("with"))
    if code == "make-room":
        return _("to make room for %(other)s", other=title("for"))
    return str(code or "")
