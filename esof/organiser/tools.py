"""The organiser tools the home page links, by group. Each is named by its endpoint, so a
renamed view fails the tests instead of leaving a dead link; a tool whose area is not
installed (its endpoint unknown to the app) is left out rather than breaking the page."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from esof.accounts.models import Role, User


@dataclass(frozen=True)
class Tool:
    endpoint: str
    label: LazyString
    hint: LazyString
    role: Role = Role.ORGANISER


@dataclass(frozen=True)
class ToolGroup:
    title: LazyString
    tools: tuple[Tool, ...]


TOOL_GROUPS = (
    ToolGroup(_l("Registration"), (
        Tool("registration.organiser_registrations", _l("Registrations"),
             _l("Search, filter, approve, mark payments, export CSV")),
        Tool("registration.organiser_categories", _l("Registration categories"),
             _l("Fees, deadlines, capacity, moderation, access codes")),
        Tool("registration.organiser_settings", _l("Onsite cap"), _l("The conference-wide limit of onsite places")),
        Tool("checkin.badge_index", _l("Badges"), _l("Print name badges as PDF")),
    )),
    ToolGroup(_l("Venues and programme"), (
        Tool("venues.venue_index", _l("Venues and rooms"), _l("Addresses, opening hours, rooms and capacities")),
        Tool("programme.organiser_home", _l("Programme tools"), _l("Overview of sessions and conflicts")),
        Tool("programme.session_index", _l("Programme sessions"), _l("Add and edit sessions, speakers and tracks")),
        Tool("programme.schedule_grid", _l("Schedule editor"), _l("Place sessions in rooms and times")),
        Tool("programme.conflict_report", _l("Conflict report"), _l("Clashes of rooms and speakers, warnings")),
        Tool("programme.proposal_new", _l("Schedule solver"), _l("Let the solver propose a schedule")),
        Tool("programme.schedule_publish", _l("Publishing"), _l("Publish a new version of the schedule")),
    )),
    ToolGroup(_l("Call for sessions"), (
        Tool("cfp.call_edit", _l("The call"), _l("Open window, formats, criteria, decision mails")),
        Tool("cfp.organiser_proposal_index", _l("Proposals and review"),
             _l("Ranked proposals with their scores; decisions")),
    )),
    ToolGroup(_l("City of Science"), (
        Tool("side_events.moderation_queue", _l("Side-event moderation"), _l("Approve or reject partners' events")),
        Tool("side_events.partners_index", _l("Partner organisations"), _l("Partners and their editors")),
    )),
    ToolGroup(_l("Mail"), (
        Tool("announcements.new_message", _l("Mail to delegates"), _l("Write to a segment of delegates")),
        Tool("announcements.message_list", _l("Sent messages"), _l("Messages to delegates and their progress")),
        Tool("mail.outbox_index", _l("Mail outbox"), _l("Every mail the site sends, with failures to retry")),
    )),
    ToolGroup(_l("At the door"), (
        Tool("checkin.occupancy", _l("Check-in occupancy"), _l("Live counts per venue and room")),
        Tool("checkin.checkin_index", _l("Door scanner"), _l("Scan tickets at a venue or room door")),
    )),
    ToolGroup(_l("Administration"), (
        Tool("admin.user_list", _l("People and roles"), _l("Search people, grant and revoke roles"), Role.ADMIN),
        Tool("admin.audit_log", _l("Audit log"), _l("Who did what, and when"), Role.ADMIN),
    )),
)


def tools_for(user: User) -> list[ToolGroup]:
    """The groups with the tools this user may open and the app has; empty groups left out."""
    known = current_app.view_functions
    groups = []
    for group in TOOL_GROUPS:
        tools = tuple(t for t in group.tools if t.endpoint in known and user.has_role(t.role))
        if tools:
            groups.append(ToolGroup(group.title, tools))
    return groups
