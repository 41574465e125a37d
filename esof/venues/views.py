"""HTTP handlers of the venues area: organisers manage venues, opening hours and rooms (here,
under /organiser/venues); visitors read the venue pages (public_views, under /venues)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext

from esof.accounts.auth import roles_required
from esof.accounts.models import Role
from esof.conference import conference_days
from esof.confirmation import confirmation_page, is_confirmed
from esof.errors import DomainError
from esof.extensions import db
from esof.form_choices import keep_stored_choice
from esof.venues import public_views, services
from esof.venues.blueprint import ORGANISER, bp
from esof.venues.forms import DeleteForm, RoomForm, VenueForm, opening_hours_form
from esof.venues.models import Room, Venue

__all__ = ["bp", "public_views"]


@roles_required(Role.ORGANISER)
def _organiser_only() -> None:
    """Organisers (and admins) pass; anyone else is sent to log in or refused."""


@bp.before_request
def require_organiser() -> ResponseReturnValue | None:
    """Every page under /organiser/venues is for organisers (and admins); /venues is public."""
    rule = request.url_rule
    if rule is not None and not rule.rule.startswith(ORGANISER + "/"):
        return None
    return _organiser_only()


@bp.get(f"{ORGANISER}/")
def venue_index() -> ResponseReturnValue:
    return render_template("venues/venue_index.html", venues=services.list_venues(), delete_form=DeleteForm())


def _venue_fields(form: VenueForm) -> dict:
    return {
        "name": form.name.data, "address": form.address.data or "", "city": form.city.data or "",
        "latitude": form.latitude.data, "longitude": form.longitude.data,
        "step_free": form.step_free.data, "description": form.description.data or "",
    }


@bp.route(f"{ORGANISER}/new", methods=["GET", "POST"])
def venue_create() -> ResponseReturnValue:
    form = VenueForm()
    if form.validate_on_submit():
        try:
            venue = services.save_venue(**_venue_fields(form))
        except DomainError as exc:
            form.form_errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Venue “%(name)s” created.", name=venue.name), "success")
            return redirect(url_for("venues.venue_detail", venue_id=venue.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("venues/venue_form.html", form=form, venue=None), status


@bp.get(f"{ORGANISER}/<int:venue_id>")
def venue_detail(venue_id: int) -> ResponseReturnValue:
    venue = db.get_or_404(Venue, venue_id)
    return render_template("venues/venue_detail.html", venue=venue, delete_form=DeleteForm())


@bp.route(f"{ORGANISER}/<int:venue_id>/edit", methods=["GET", "POST"])
def venue_edit(venue_id: int) -> ResponseReturnValue:
    venue = db.get_or_404(Venue, venue_id)
    form = VenueForm(obj=venue)
    if form.validate_on_submit():
        try:
            services.save_venue(venue=venue, **_venue_fields(form))
        except DomainError as exc:
            form.form_errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Venue saved."), "success")
            return redirect(url_for("venues.venue_detail", venue_id=venue.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("venues/venue_form.html", form=form, venue=venue), status


@bp.post(f"{ORGANISER}/<int:venue_id>/delete")
def venue_delete(venue_id: int) -> ResponseReturnValue:
    venue = db.get_or_404(Venue, venue_id)
    if DeleteForm().validate_on_submit():
        if not is_confirmed():
            return confirmation_page(
                heading=_("Delete the venue “%(name)s”?", name=venue.name),
                consequences=[
                    ngettext("Its %(num)d room and the opening hours go with it.",
                             "Its %(num)d rooms and the opening hours go with it.", len(venue.rooms)),
                    _("While sessions are placed in its rooms it is not deleted: unschedule them first."),
                ],
                button=_("Delete the venue and its rooms"),
                cancel_url=url_for("venues.venue_detail", venue_id=venue_id))
        try:
            services.delete_venue(venue=venue)
        except DomainError as exc:
            flash(exc.message, "error")
            return redirect(url_for("venues.venue_detail", venue_id=venue_id))
        db.session.commit()
        flash(_("Venue deleted."), "success")
    return redirect(url_for("venues.venue_index"))


@bp.route(f"{ORGANISER}/<int:venue_id>/hours", methods=["GET", "POST"])
def venue_hours(venue_id: int) -> ResponseReturnValue:
    venue = db.get_or_404(Venue, venue_id)
    days = conference_days()
    form = opening_hours_form(days, {row.day: row for row in venue.opening_hours})
    if form.validate_on_submit():
        try:
            for n, day in enumerate(days):
                services.set_opening_hours(
                    venue=venue, day=day, opens=form[f"opens_{n}"].data, closes=form[f"closes_{n}"].data
                )
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(f"{exc.message} ({day:%d-%m-%Y})")
        else:
            db.session.commit()
            flash(_("Opening hours saved."), "success")
            return redirect(url_for("venues.venue_detail", venue_id=venue.id))
    fields = [(form[f"opens_{n}"], form[f"closes_{n}"]) for n in range(len(days))]
    status = 422 if form.errors or form.form_errors else 200
    return render_template("venues/venue_hours.html", form=form, venue=venue, fields=fields), status


def _room_fields(form: RoomForm) -> dict:
    return {
        "name": form.name.data, "capacity": form.capacity.data, "layout": form.layout.data,
        "streaming": form.streaming.data, "step_free": form.step_free.data,
        "allows_parallel": form.allows_parallel.data,
    }


@bp.route(f"{ORGANISER}/<int:venue_id>/rooms/new", methods=["GET", "POST"])
def room_create(venue_id: int) -> ResponseReturnValue:
    venue = db.get_or_404(Venue, venue_id)
    form = RoomForm()
    if form.validate_on_submit():
        try:
            room = services.save_room(venue=venue, **_room_fields(form))
        except DomainError as exc:
            form.form_errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Room “%(name)s” created.", name=room.name), "success")
            return redirect(url_for("venues.venue_detail", venue_id=venue.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("venues/room_form.html", form=form, venue=venue, room=None), status


@bp.route(f"{ORGANISER}/rooms/<int:room_id>/edit", methods=["GET", "POST"])
def room_edit(room_id: int) -> ResponseReturnValue:
    room = db.get_or_404(Room, room_id)
    form = RoomForm(obj=room)
    keep_stored_choice(form.layout, room.layout)
    if form.validate_on_submit():
        beyond = [] if form.accept_fewer_seats.data == "yes" else services.bookings_beyond(
            room=room, capacity=form.capacity.data)
        if beyond:
            return render_template("venues/room_form.html", form=form, venue=room.venue, room=room,
                                   bookings_beyond=beyond), 409
        try:
            services.save_room(room=room, venue=room.venue, **_room_fields(form))
        except DomainError as exc:
            form.form_errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Room saved."), "success")
            return redirect(url_for("venues.venue_detail", venue_id=room.venue_id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("venues/room_form.html", form=form, venue=room.venue, room=room), status


@bp.post(f"{ORGANISER}/rooms/<int:room_id>/delete")
def room_delete(room_id: int) -> ResponseReturnValue:
    room = db.get_or_404(Room, room_id)
    venue_id = room.venue_id
    if DeleteForm().validate_on_submit():
        if not is_confirmed():
            return confirmation_page(
                heading=_("Delete the room “%(name)s” of %(venue)s?", name=room.name, venue=room.venue.name),
                consequences=[_("While sessions are placed in it the room is not deleted: unschedule them first.")],
                button=_("Delete the room"), cancel_url=url_for("venues.venue_detail", venue_id=venue_id))
        try:
            services.delete_room(room=room)
        except DomainError as exc:
            flash(exc.message, "error")
            return redirect(url_for("venues.venue_detail", venue_id=venue_id))
        db.session.commit()
        flash(_("Room deleted."), "success")
    return redirect(url_for("venues.venue_detail", venue_id=venue_id))
