"""Side-event test helpers: organisations, editors and events made through the services."""
from __future__ import annotations

import re
from datetime import date, time
from typing import Any

import factory

from esof.accounts.models import Role, User
from esof.extensions import db
from esof.side_events import services
from esof.side_events.models import EventCategory, PartnerMembership, PartnerOrganisation, SideEvent
from esof.side_events.recurrence import Recurrence
from tests.factories import BaseFactory, UserFactory


class PartnerOrganisationFactory(BaseFactory):
    class Meta:
        model = PartnerOrganisation

    name = factory.Sequence(lambda n: f"Partner {n}")
    slug = factory.Sequence(lambda n: f"partner-{n}")
    contact_email = factory.Sequence(lambda n: f"info{n}@partner.example.org")


def make_editor(organisation: PartnerOrganisation, **kwargs: Any) -> User:
    user = UserFactory(roles=[Role.PARTNER], **kwargs)
    db.session.add(PartnerMembership(organisation_id=organisation.id, user_id=user.id))
    db.session.flush()
    return user


def make_organiser(**kwargs: Any) -> User:
    return UserFactory(roles=[Role.ORGANISER], **kwargs)


def event_input(**overrides: Any) -> services.EventInput:
    """A one-off lecture on Thursday 14 July 2022, 10:00-12:00 in Leiden."""
    values: dict[str, Any] = {
        "title_en": "Stars over Leiden",
        "title_nl": "Sterren boven Leiden",
        "description_en": "A talk about **telescopes**.",
        "description_nl": "Een lezing over **telescopen**.",
        "language": "nl",
        "category": EventCategory.LECTURE,
        "audiences": (),
        "location_name": "Sterrewacht",
        "address": "Sterrenwachtlaan 11, Leiden",
        "neighbourhood": "Binnenstad-Zuid",
        "start_date": date(2022, 7, 14),
        "end_date": date(2022, 7, 14),
        "start_time": time(10, 0),
        "end_time": time(12, 0),
        "recurrence": Recurrence(),
    }
    values.update(overrides)
    return services.EventInput(**values)


def make_event(
    organisation: PartnerOrganisation,
    author: User,
    *,
    approve_by: User | None = None,
    **overrides: Any,
) -> SideEvent:
    event = services.submit_side_event(organisation=organisation, data=event_input(**overrides), author=author)
    if approve_by is not None:
        services.approve_side_event(event=event, moderator=approve_by)
    return event


def seen_fields(review_page: str) -> dict[str, str]:
    """The hidden fields of the review page's approve form (the revision and version it shows),
    as the browser would send them."""
    approve = review_page[review_page.index("/approve"):review_page.index("/reject")]
    return dict(re.findall(r'name="(seen_revision_id|seen_version)" type="hidden" value="(\d+)"', approve))
