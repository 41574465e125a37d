"""The JSON shape of each resource (documented in esof/api/openapi.py).

Instants leave as ISO 8601 wall-clock times in the conference zone with their offset
(2022-07-13T09:00:00+02:00) next to "timezone": "Europe/Amsterdam"; all-day side events
leave as dates. Nothing here queries the database: the services load every row first.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from esof.bookings.services import SeatCounts
from esof.conference import conference_zone, zone_name
from esof.programme.models import PublishedSession, Track
from esof.programme.queries import PublicSpeakerRow
from esof.side_events.models import SideEvent, SideEventOccurrence, SideEventRevision
from esof.side_events.recurrence import exdate_day
from esof.urls import external_url
from esof.venues.models import Room, Venue


def local_iso(moment: datetime) -> str:
    return moment.astimezone(conference_zone()).isoformat()


def track_json(track: Track) -> dict[str, Any]:
    return {"id": track.id, "slug": track.slug, "name": track.name,
            "name_nl": track.name_nl or track.name, "colour": track.colour}


def venue_ref(venue: Venue) -> dict[str, Any]:
    return {"id": venue.id, "slug": venue.slug, "name": venue.name}


def room_json(room: Room) -> dict[str, Any]:
    return {"id": room.id, "name": room.name, "capacity": room.capacity, "layout": room.layout,
            "streaming": room.streaming, "step_free": room.step_free}


def venue_json(venue: Venue) -> dict[str, Any]:
    return {
        **venue_ref(venue),
        "address": venue.address,
        "city": venue.city,
        "latitude": venue.latitude,
        "longitude": venue.longitude,
        "step_free": venue.step_free,
        "description": venue.description,
        "rooms": [room_json(room) for room in venue.rooms],
        "opening_hours": [
            {"day": hours.day.isoformat(), "opens": hours.opens.strftime("%H:%M"),
             "closes": hours.closes.strftime("%H:%M")}
            for hours in venue.opening_hours
        ],
        "timezone": zone_name(),
    }


def session_json(row: PublishedSession, counts: SeatCounts | None, *, language: str = "en") -> dict[str, Any]:
    """One session as the latest published version shows it, with its seats."""
    room = row.room
    capacity = None
    if room is not None:
        # The room's capacity, read live; a session that needs booking may cap it lower (counts).
        capacity = counts.capacity if row.needs_booking and counts is not None else room.capacity
    return {
        "id": row.session_id,
        "title": row.title_in(language),
        "title_language": "nl" if language == "nl" and row.title_nl else "en",
        "abstract": row.abstract_in(language),
        "format": str(row.format),
        "language": row.language,
        "track": track_json(row.track) if row.track is not None else None,
        "start": local_iso(row.starts_at),
        "end": local_iso(row.ends_at),
        "timezone": zone_name(),
        "room": {"id": room.id, "name": room.name} if room is not None else None,
        "venue": venue_ref(room.venue) if room is not None else None,
        "speakers": [
            {"id": speaker.person_id, "name": speaker.name, "affiliation": speaker.affiliation,
             "role": speaker.role}
            for speaker in row.speakers
        ],
        "needs_booking": row.needs_booking,
        "capacity": capacity,
        "booked": counts.booked if counts is not None else 0,
        "waitlisted": counts.waitlisted if counts is not None else 0,
        "status": str(row.status),
        "updated": local_iso(row.last_modified.replace(microsecond=0)),
        "url": external_url("programme.session_detail", session_id=row.session_id),
    }


def _moment(value: datetime | date) -> str:
    return value.isoformat() if not isinstance(value, datetime) else local_iso(value)


def _status(cancelled: bool) -> str:
    return "cancelled" if cancelled else "confirmed"


def occurrence_json(occurrence: SideEventOccurrence, *, cancelled: bool = False) -> dict[str, Any]:
    """One date; `cancelled`: the date alone or its whole event is cancelled."""
    if occurrence.all_day:
        # Stored with an exclusive end (midnight after the last day); shown inclusive.
        last_day = (occurrence.ends_at.astimezone(conference_zone()) - timedelta(microseconds=1)).date()
        start, end = occurrence.local_day.isoformat(), last_day.isoformat()
    else:
        start, end = local_iso(occurrence.starts_at), local_iso(occurrence.ends_at)
    return {"start": start, "end": end, "status": _status(cancelled)}


def side_event_json(
    event: SideEvent,
    revision: SideEventRevision,
    occurrences: list[tuple[SideEventOccurrence, bool]],
    *,
    language: str,
) -> dict[str, Any]:
    """The approved revision of an event, in the asked language where it has one (the event's
    organisation and the revision's venue loaded with them); `occurrences` are its next dates,
    each with whether that date alone is cancelled."""
    title, title_language = revision.title_in(language)
    description, description_language = revision.description_in(language)
    if revision.all_day:
        start: datetime | date | None = revision.start_date
        end: datetime | date | None = revision.end_date
    else:
        start, end = revision.starts_at, revision.ends_at
    assert start is not None and end is not None  # the valid_dates check constraint
    organisation, place = event.organisation, revision.place
    return {
        "id": event.id,
        "title": title,
        "title_language": title_language,
        "description": description,
        "description_language": description_language,
        "all_day": revision.all_day,
        "start": _moment(start),
        "end": _moment(end),
        "timezone": zone_name(),
        "rrule": revision.rrule or None,
        "exdates": sorted({exdate_day(v).isoformat() for v in revision.exdates or []}) if revision.rrule else [],
        "next_occurrences": [
            occurrence_json(o, cancelled=event.is_cancelled or cancelled) for o, cancelled in occurrences
        ],
        "category": str(revision.category),
        "audience": [str(a) for a in revision.audiences],
        "language": revision.language,
        "organisation": {"id": organisation.id, "slug": organisation.slug, "name": organisation.name,
                         "website": organisation.website or None},
        "location": {
            "name": place.name,
            "address": place.address,
            "neighbourhood": place.neighbourhood,
            "venue": venue_ref(place.venue) if place.venue is not None else None,
            "latitude": place.latitude,
            "longitude": place.longitude,
        },
        "free": revision.is_free,
        "price_cents": revision.price_cents or 0,
        "booking_url": revision.booking_url or None,
        "image_url": revision.image_url or None,
        "image_alt": revision.image_alt if revision.image_url else None,
        "status": _status(event.is_cancelled),
        "cancellation_reason": (event.cancellation_reason or None) if event.is_cancelled else None,
        "url": external_url("side_events.event_detail", event_id=event.id),
    }


def speaker_json(row: PublicSpeakerRow, session_ids: list[int]) -> dict[str, Any]:
    """A speaker of the latest published version: name and affiliation as published, bio and
    photo as the speaker keeps them on their profile, and their sessions' ids by start time."""
    return {
        "id": row.person_id,
        "name": row.name,
        "affiliation": row.affiliation,
        "bio": row.bio,
        "photo_url": row.photo_url or None,
        "sessions": session_ids,
        "url": external_url("programme.speaker_detail", person_id=row.person_id),
    }
