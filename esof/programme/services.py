"""Programme rules, the public list of verbs: tracks, people, sessions, the draft schedule,
conflicts and publishing. Each concern has its own module; services flush, never commit.

- people.py       tracks, speakers and their availability
- sessions.py     the draft content of sessions
- schedule.py     placing sessions in rooms and times, seat shortfalls, the organisers' grid
- conflicts.py    the conflict report over the draft
- publishing.py   versions, the changelog and SEQUENCE
"""
from esof.programme.conflicts import (
    ConflictReport,
    PublishRefused,
    build_conflict_report,
    describe_issue,
    load_placed_sessions,
)
from esof.programme.people import (
    add_availability,
    delete_person,
    delete_track,
    list_people,
    person_deletion_effects,
    remove_availability,
    save_person,
    save_track,
    track_deletion_effects,
)
from esof.programme.publishing import (
    CHANGE_LABELS,
    PendingRow,
    compute_publication,
    describe_times,
    iter_changes,
    pending_changes,
    publish_schedule,
)
from esof.programme.queries import latest_version
from esof.programme.schedule import (
    InvalidTimes,
    OutsideConferenceDays,
    ScheduleGrid,
    SeatShortfall,
    UnknownRoom,
    build_schedule_grid,
    cap_shortfall,
    list_rooms,
    local_moment,
    schedule_session,
    seat_shortfall,
    sessions_placed_in,
    unschedule_room,
    unschedule_session,
)
from esof.programme.sessions import (
    SessionAlreadyPublished,
    SessionFilter,
    UnknownPerson,
    count_sessions,
    delete_session,
    filtered_sessions,
    save_session,
    session_deletion_effects,
    set_session_status,
)

__all__ = [
    "CHANGE_LABELS", "ConflictReport", "InvalidTimes", "OutsideConferenceDays", "PendingRow", "PublishRefused",
    "ScheduleGrid", "SeatShortfall", "SessionAlreadyPublished", "SessionFilter", "UnknownPerson", "UnknownRoom",
    "add_availability", "build_conflict_report", "build_schedule_grid", "cap_shortfall", "compute_publication",
    "count_sessions", "delete_person", "delete_session", "delete_track", "describe_issue", "describe_times",
    "filtered_sessions", "iter_changes", "latest_version", "list_people", "list_rooms", "load_placed_sessions",
    "local_moment", "pending_changes", "person_deletion_effects", "publish_schedule", "remove_availability",
    "save_person", "save_session", "save_track", "schedule_session", "seat_shortfall", "session_deletion_effects",
    "sessions_placed_in",
    "set_session_status", "track_deletion_effects", "unschedule_room", "unschedule_session",
]
