"""The dashboard's numbers, read by aggregate queries (services, no HTTP)."""
from __future__ import annotations

from datetime import UTC, date, datetime

from flask import Flask

from esof.extensions import db
from esof.organiser import dashboard
from esof.registration.models import ConferenceSettings, PaymentStatus, RegistrationCategory
from tests.organiser import data


def test_registration_growth_is_cumulative_per_local_day_with_the_cap(app: Flask) -> None:
    registrations = data.populate(6)
    # Two made on the evening of 1 May in UTC: 23:30 UTC is already 2 May in Amsterdam.
    registrations[0].created_at = datetime(2022, 5, 1, 21, 30, tzinfo=UTC)
    registrations[1].created_at = datetime(2022, 5, 1, 22, 30, tzinfo=UTC)
    registrations[3].created_at = datetime(2022, 5, 3, 8, 0, tzinfo=UTC)
    db.session.add(ConferenceSettings(id=1, onsite_cap=4000)) if db.session.get(ConferenceSettings, 1) is None else None
    db.session.get(ConferenceSettings, 1).onsite_cap = 4000
    db.session.commit()
    growth = dashboard.registration_growth()
    assert growth.days[:3] == [date(2022, 5, 1), date(2022, 5, 2), date(2022, 5, 3)]
    # registrations 0, 1, 3 are onsite (every third is online)
    assert growth.onsite[:3] == [1, 2, 3]
    assert growth.onsite[-1] == 4 and growth.online[-1] == 2
    assert growth.onsite_cap == 4000


def test_cancelled_registrations_leave_every_chart(app: Flask) -> None:
    from esof.registration import services

    registrations = data.populate(3)
    services.cancel_registration(registration=registrations[0], actor=None)
    db.session.commit()
    assert dashboard.registration_growth().onsite[-1] == 1
    by_category = {row.name: (row.onsite, row.online) for row in dashboard.registrations_by_category("en")}
    assert by_category == {"Regular": (1, 0), "Online": (0, 1)}
    assert dashboard.registrations_by_country("en") == [("Germany", 1), ("France", 1)]  # a tie goes by country code


def test_category_names_follow_the_language(app: Flask) -> None:
    data.populate(3)
    assert [row.name for row in dashboard.registrations_by_category("nl")] == ["Regulier", "Online"]


def test_countries_are_the_top_twenty_by_count(app: Flask) -> None:
    data.populate(7)  # NL 3, DE 2, FR 2
    assert dashboard.registrations_by_country("en") == [("Netherlands", 3), ("Germany", 2), ("France", 2)]
    assert dashboard.registrations_by_country("nl")[0] == ("Nederland", 3)
    assert len(dashboard.registrations_by_country("en", limit=2)) == 2


def test_payments_sum_what_is_due_per_status_in_cents(app: Flask) -> None:
    data.populate(6)  # pending: 0 (regular), 3 (regular); paid: 1, 4 (regular); waived: 2, 5 (online)
    rows = {row.status: (row.registrations, row.cents) for row in dashboard.payments()}
    assert rows == {PaymentStatus.PENDING: (2, 90000), PaymentStatus.PAID: (2, 90000), PaymentStatus.WAIVED: (2, 10000)}


def test_fullest_sessions_are_ordered_by_seats_and_waiting(app: Flask) -> None:
    data.add_sessions(15)
    db.session.commit()
    rows = dashboard.fullest_sessions("en")
    assert len(rows) == dashboard.FULLEST_SESSIONS
    assert (rows[0].booked, rows[0].waiting) == (24, 2)  # the 15th: 10 + 14 booked, 14 % 4 waiting
    demand = [row.booked + row.waiting for row in rows]
    assert demand == sorted(demand, reverse=True)


def test_side_events_per_month_and_the_backlog(app: Flask) -> None:
    data.add_side_events(5)  # 3 approved, 2 waiting; all on 14 July 2022
    db.session.commit()
    summary = dashboard.side_event_summary()
    assert summary.events[6] == 3 and sum(summary.events) == 3
    assert summary.backlog == [2, 0, 0, 0]
    later = datetime.now(UTC).replace(microsecond=0)
    from datetime import timedelta

    assert dashboard.side_event_summary(now=later + timedelta(days=5)).backlog == [0, 0, 2, 0]
    assert dashboard.side_event_summary(now=later + timedelta(days=30)).backlog == [0, 0, 0, 2]


def test_occupancy_counts_venue_entrances_hour_by_hour(app: Flask) -> None:
    data.populate(12)  # 8 onsite, the 4 paid ones let in every 7 minutes from 09:00 on 13 July
    occupancy = dashboard.occupancy()
    assert [present for _name, present, _cap in occupancy.venues] == [4]
    assert [hour.strftime("%d %H:%M") for hour in occupancy.hours] == ["13 09:00"]
    assert occupancy.on_site == [4]
    assert occupancy.live is False
    assert dashboard.occupancy(now=datetime(2022, 7, 14, 10, tzinfo=UTC)).live is True


def test_the_hourly_scan_curve_is_cached_briefly_and_registrations_never(app: Flask) -> None:
    app.config["ORGANISER_DASHBOARD_CACHE_SECONDS"] = 30
    data.populate(3)  # 2 onsite, the paid one let in (the unpaid one is stopped)
    assert dashboard.occupancy().on_site == [1]
    data.add_scans(data.add_delegates(3, *db.session.scalars(
        db.select(RegistrationCategory).order_by(RegistrationCategory.id))))
    db.session.commit()
    assert dashboard.occupancy().on_site == [1]  # the curve from half a minute ago at most
    assert dashboard.occupancy().venues[-1][1] == 1  # the live counter is never cached
    assert dashboard.registration_growth().onsite[-1] == 4  # 2 before, 2 new
    app.config["ORGANISER_DASHBOARD_CACHE_SECONDS"] = 0
    assert dashboard.occupancy().on_site == [2]
