"""Imports every area's models so that Alembic and the app see the whole schema."""
from esof.accounts.models import AuditLog, FeedToken, Role, User, UserRole
from esof.announcements.models import Announcement, AnnouncementOptOut, AnnouncementRecipient
from esof.bookings.models import Booking, SessionSeats, Star
from esof.cfp.models import (
    CallForSessions,
    CallTrack,
    Proposal,
    ProposalSpeaker,
    Review,
    ReviewConflict,
    ReviewScore,
)
from esof.checkin.models import CheckIn, Occupancy
from esof.mail.models import OutboxMessage
from esof.programme.models import (
    Person,
    PersonAvailability,
    ProgrammeSession,
    PublishedSession,
    PublishedSpeaker,
    ScheduleSlot,
    ScheduleVersion,
    SessionSpeaker,
    Track,
)
from esof.registration.billing_models import (
    BillingCounter,
    BillingDetails,
    BillingDocument,
    CancellationPolicy,
    Refund,
)
from esof.registration.models import ConferenceSettings, Registration, RegistrationCategory
from esof.side_events.models import (
    PartnerInvitation,
    PartnerMembership,
    PartnerOrganisation,
    SideEvent,
    SideEventOccurrence,
    SideEventOccurrenceCancellation,
    SideEventRevision,
)
from esof.venues.models import Room, Venue, VenueOpeningHours

__all__ = [
    "Announcement", "AnnouncementOptOut", "AnnouncementRecipient",
    "AuditLog", "BillingCounter", "BillingDetails", "BillingDocument", "Booking", "CancellationPolicy",
    "CallForSessions", "CallTrack", "CheckIn", "ConferenceSettings", "FeedToken",
    "Occupancy", "OutboxMessage", "PartnerInvitation", "PartnerMembership", "PartnerOrganisation", "Person",
    "PersonAvailability", "ProgrammeSession", "Proposal", "ProposalSpeaker", "PublishedSession",
    "PublishedSpeaker", "Refund", "Registration", "RegistrationCategory", "Review", "ReviewConflict", "ReviewScore",
    "Role", "Room", "ScheduleSlot", "ScheduleVersion", "SessionSeats",
    "SessionSpeaker", "SideEvent", "SideEventOccurrence", "SideEventOccurrenceCancellation", "SideEventRevision",
    "Star", "Track",
    "User", "UserRole", "Venue", "VenueOpeningHours",
]
