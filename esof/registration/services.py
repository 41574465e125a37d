"""Registration's public verbs, for the CLI, the demo data, other areas and the tests.

The rules live by concern, and registration's own views import them from there:
:mod:`~esof.registration.categories` (what is offered, category changes),
:mod:`~esof.registration.places` (the atomic part: places, waiting list, promotion, onsite
cap, and the lock order), :mod:`~esof.registration.delegates` (register, edit, cancel),
:mod:`~esof.registration.moderation` (approve, reject, payment),
:mod:`~esof.registration.tickets`, :mod:`~esof.registration.gdpr` (export and erasure),
:mod:`~esof.registration.mail` and :mod:`~esof.registration.errors`.
"""
from __future__ import annotations

from esof.registration.categories import (
    CATEGORY_FIELDS,
    CategoryOffer,
    category_offers,
    fee_for,
    find_category,
    list_categories,
    save_category,
    today_in_conference_zone,
)
from esof.registration.delegates import (
    PROFILE_LIMITS,
    DelegateProfile,
    active_registration_for,
    cancel_registration,
    check_profile,
    register_delegate,
    update_profile,
)
from esof.registration.errors import (
    AlreadyRegistered,
    CategoryClosed,
    CategoryCodeTaken,
    CategoryNotOpen,
    ConsentMissing,
    EmailNotVerified,
    FieldTooLong,
    StatusChanged,
    TicketExpired,
    TicketForged,
    TicketInvalid,
    TicketRevoked,
    UnknownCategory,
    UnknownCountry,
    WrongAccessCode,
)
from esof.registration.gdpr import erase_account, export_personal_data, registration_as_dict
from esof.registration.moderation import approve_registration, reject_registration, set_payment_status
from esof.registration.places import SETTINGS_ID, conference_settings, promote_waitlisted, set_onsite_cap
from esof.registration.queries import waitlist_rank
from esof.registration.tickets import (
    DEFAULT_TICKET_MAX_AGE,
    TICKET_PURPOSE,
    has_ticket,
    reissue_ticket,
    ticket_token,
    verify_ticket_token,
)

__all__ = [
    "CATEGORY_FIELDS",
    "DEFAULT_TICKET_MAX_AGE",
    "PROFILE_LIMITS",
    "SETTINGS_ID",
    "TICKET_PURPOSE",
    "AlreadyRegistered",
    "CategoryClosed",
    "CategoryCodeTaken",
    "CategoryNotOpen",
    "CategoryOffer",
    "ConsentMissing",
    "DelegateProfile",
    "EmailNotVerified",
    "FieldTooLong",
    "StatusChanged",
    "TicketExpired",
    "TicketForged",
    "TicketInvalid",
    "TicketRevoked",
    "UnknownCategory",
    "UnknownCountry",
    "WrongAccessCode",
    "active_registration_for",
    "approve_registration",
    "cancel_registration",
    "category_offers",
    "check_profile",
    "conference_settings",
    "erase_account",
    "export_personal_data",
    "fee_for",
    "find_category",
    "has_ticket",
    "list_categories",
    "promote_waitlisted",
    "register_delegate",
    "registration_as_dict",
    "reissue_ticket",
    "reject_registration",
    "save_category",
    "set_onsite_cap",
    "set_payment_status",
    "ticket_token",
    "today_in_conference_zone",
    "update_profile",
    "verify_ticket_token",
    "waitlist_rank",
]
