"""The dashboard's panels: each a chart with its heading, one sentence that says what it shows
(and what it means), and the same numbers as a table for those who cannot or would rather not
read a chart."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import format_currency, format_date, format_datetime
from flask_babel import gettext as _
from markupsafe import Markup

from esof.organiser import charts, dashboard
from esof.registration.models import PaymentStatus


@dataclass
class Panel:
    key: str
    title: str
    description: str
    svg: Markup | None  # None: nothing to draw yet (the description says so)
    headers: list[str]
    rows: list[list[str | int]]


def _euro(cents: int) -> str:
    return format_currency(cents / 100, "EUR")


def growth_panel() -> Panel:
    data = dashboard.registration_growth()
    labels = [format_date(day, "d MMM") for day in data.days]
    series: list[tuple[str, list[int | None]]] = [(_("Onsite"), list(data.onsite)), (_("Online"), list(data.online))]
    if data.onsite_cap is not None:
        series.append((_("Onsite cap"), [data.onsite_cap] * len(labels)))
    now_onsite = data.onsite[-1] if data.onsite else 0
    if data.onsite_cap is None:
        description = _("Active registrations, added up day by day: %(onsite)s onsite, no onsite cap set.",
                        onsite=now_onsite)
    else:
        description = _("Active registrations, added up day by day: %(onsite)s onsite of a cap of %(cap)s.",
                        onsite=now_onsite, cap=data.onsite_cap)
    rows: list[list[str | int]] = [
        [format_date(day, "medium"), on, off] for day, on, off in zip(data.days, data.onsite, data.online, strict=True)
    ]
    svg = charts.line_chart("growth", labels, series, fill=False) if data.days else None
    return Panel("growth", _("Registrations per day"), description, svg,
                 [_("Day"), _("Onsite (total)"), _("Online (total)")], rows)


def category_panel(language: str) -> Panel:
    data = dashboard.registrations_by_category(language)
    labels = [row.name for row in data]
    svg = charts.bar_chart("categories", labels, [(_("Onsite"), [r.onsite for r in data]),
                                                  (_("Online"), [r.online for r in data])],
                           horizontal=True, stacked=True) if any(r.onsite or r.online for r in data) else None
    return Panel(
        "categories", _("By category and attendance"),
        _("Active registrations in each category, onsite and online."), svg,
        [_("Category"), _("Onsite"), _("Online")], [[r.name, r.onsite, r.online] for r in data],
    )


def country_panel(language: str) -> Panel:
    data = dashboard.registrations_by_country(language)
    svg = charts.bar_chart("countries", [name for name, _n in data], [(_("Registrations"), [n for _name, n in data])],
                           horizontal=True, show_legend=False) if data else None
    return Panel(
        "countries", _("By country (top %(count)s)", count=dashboard.TOP_COUNTRIES),
        _("The countries with the most active registrations."), svg,
        [_("Country"), _("Registrations")], [[name, n] for name, n in data],
    )


def payment_panel() -> Panel:
    labels = {PaymentStatus.PENDING: _("Pending"), PaymentStatus.PAID: _("Paid"), PaymentStatus.WAIVED: _("Waived")}
    data = dashboard.payments()
    svg = charts.bar_chart(
        "payments", [str(labels[row.status]) for row in data], [(_("Euro"), [row.cents / 100 for row in data])],
        show_legend=False, euro=True,
    ) if any(row.registrations for row in data) else None
    pending = next(row for row in data if row.status == PaymentStatus.PENDING)
    return Panel(
        "payments", _("Payments"),
        _("What active registrations owe, have paid or were let off, in euro: %(pending)s still to pay.",
          pending=_euro(pending.cents)), svg,
        [_("Payment"), _("Registrations"), _("Amount")],
        [[str(labels[row.status]), row.registrations, _euro(row.cents)] for row in data],
    )


def sessions_panel(language: str) -> Panel:
    data = dashboard.fullest_sessions(language)
    svg = charts.bar_chart(
        "sessions", [row.title for row in data],
        [(_("Booked"), [row.booked for row in data]), (_("Waiting"), [row.waiting for row in data])],
        horizontal=True, stacked=True,
    ) if data else None
    return Panel(
        "sessions", _("Fullest sessions"),
        _("The %(count)s sessions with the most seats booked and people waiting.",
          count=dashboard.FULLEST_SESSIONS), svg,
        [_("Session"), _("Booked"), _("Waiting"), _("Seats")],
        [[row.title, row.booked, row.waiting, "–" if row.capacity is None else row.capacity] for row in data],
    )


def side_events_panel() -> tuple[Panel, Panel]:
    data = dashboard.side_event_summary()
    months = [format_date(datetime(2000, m, 1), "MMM") for m in data.months]
    per_month = Panel(
        "side-events", _("Side events per month"),
        _("Approved City of Science events with a date in each month of the year."),
        charts.bar_chart("side-events", months, [(_("Events"), data.events)], show_legend=False)
        if any(data.events) else None,
        [_("Month"), _("Events")], [[m, n] for m, n in zip(months, data.events, strict=True)],
    )
    ages = [_("Under a day"), _("1–3 days"), _("3–7 days"), _("Over a week")]
    waiting = sum(data.backlog)
    backlog = Panel(
        "backlog", _("Moderation backlog"),
        _("%(count)s submissions and edits wait for a decision, by how long they have waited.", count=waiting),
        charts.bar_chart("backlog", ages, [(_("Waiting"), data.backlog)], show_legend=False) if waiting else None,
        [_("Waiting for"), _("Submissions and edits")], [[a, n] for a, n in zip(ages, data.backlog, strict=True)],
    )
    return per_month, backlog


def occupancy_panels() -> tuple[Panel, Panel]:
    data = dashboard.occupancy()
    now = Panel(
        "occupancy", _("Present now, by venue"),
        _("People inside each venue now, against its capacity.") if data.live else
        _("People inside each venue at the last scan; the counts are live during the conference days."),
        charts.bar_chart("occupancy", [v[0] for v in data.venues],
                         [(_("Present"), [v[1] for v in data.venues]), (_("Capacity"), [v[2] for v in data.venues])],
                         horizontal=True) if any(v[1] for v in data.venues) else None,
        [_("Venue"), _("Present"), _("Capacity")], [[name, present, cap] for name, present, cap in data.venues],
    )
    labels = [format_datetime(hour, "EEE HH:mm") for hour in data.hours]
    over_time = Panel(
        "on-site", _("On site during the conference days"),
        _("People inside the venues' entrances, hour by hour, from the door scans."),
        charts.line_chart("on-site", labels, [(_("On site"), data.on_site)], show_legend=False) if data.hours else None,
        [_("Hour"), _("On site")], [[label, n] for label, n in zip(labels, data.on_site, strict=True)],
    )
    return now, over_time


def all_panels(language: str) -> list[Panel]:
    return [
        growth_panel(), category_panel(language), country_panel(language), payment_panel(),
        sessions_panel(language), *side_events_panel(), *occupancy_panels(),
    ]
