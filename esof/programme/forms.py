"""Programme forms: shape checks only; rules (clashes, conference days, rooms) live in services."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, Regexp

from esof.form_choices import choices
from esof.programme.models import SessionFormat

FORMAT_LABELS = {
    SessionFormat.KEYNOTE: _l("Keynote"),
    SessionFormat.PLENARY: _l("Plenary"),
    SessionFormat.PANEL: _l("Panel"),
    SessionFormat.DEBATE: _l("Debate"),
    SessionFormat.WORKSHOP: _l("Workshop"),
    SessionFormat.SEMINAR: _l("Seminar"),
    SessionFormat.POSTER: _l("Poster session"),
    SessionFormat.OPEN_PODIUM: _l("Open podium"),
    SessionFormat.CEREMONY: _l("Ceremony"),
    SessionFormat.SOCIAL: _l("Social"),
}
LANGUAGE_LABELS = {"en": _l("English"), "nl": _l("Dutch")}


class TrackForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    name_nl = StringField(_l("Name in Dutch"), validators=[Optional(), Length(max=200)])
    colour = StringField(_l("Colour"), default="#1f4e79",
                         validators=[DataRequired(), Regexp(r"^#[0-9a-fA-F]{6}$", message=_l("Use the form #1f4e79."))])


class PersonForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    affiliation = StringField(_l("Affiliation"), validators=[Optional(), Length(max=200)])
    email = EmailField(_l("Email address"), validators=[Optional(), Email(check_deliverability=False), Length(max=254)])
    bio = TextAreaField(_l("Short biography"), validators=[Optional(), Length(max=5000)])
    needs_step_free = BooleanField(_l("Needs step-free access"))


class AvailabilityForm(FlaskForm):
    day = SelectField(_l("Day"), validators=[DataRequired()])
    starts = TimeField(_l("Available from"), validators=[DataRequired()])
    ends = TimeField(_l("Available until"), validators=[DataRequired()])


class SessionForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    abstract = TextAreaField(_l("Abstract"), validators=[Optional(), Length(max=20000)])
    title_nl = StringField(_l("Title in Dutch"), validators=[Optional(), Length(max=300)],
                           description=_l("Optional; Dutch pages show the English title without it."))
    abstract_nl = TextAreaField(_l("Abstract in Dutch"), validators=[Optional(), Length(max=20000)])
    format = SelectField(_l("Format"), choices=choices((f.value, label) for f, label in FORMAT_LABELS.items()))
    language = SelectField(_l("Language"), choices=choices(LANGUAGE_LABELS.items()), default="en")
    track = SelectField(_l("Track"), coerce=int, default=0)
    speakers = SelectMultipleField(_l("Speakers"), coerce=int, validate_choice=True,
                                   description=_l("Hold Ctrl (Cmd on a Mac) to choose several."))
    expected_audience = IntegerField(_l("Expected audience"), default=0,
                                     validators=[Optional(), NumberRange(min=0, max=100000)])
    needs_booking = BooleanField(_l("Seats must be booked"))
    booking_cap = IntegerField(_l("Seat limit below the room capacity"),
                               validators=[Optional(), NumberRange(min=0, max=100000)])
    needs_step_free = BooleanField(_l("Needs a step-free room"))
    pinned = BooleanField(_l("Pinned: the schedule solver leaves it where it is"),
                          description=_l("For keynotes, the opening and the closing."))
    # Sent as "yes" by the "save anyway" button of the warning that bookings would not fit.
    accept_fewer_seats = HiddenField()


class PlacementForm(FlaskForm):
    """Assign or move a session: room, day and times (wall-clock, conference zone)."""

    session_id = HiddenField(validators=[DataRequired()])
    room = IntegerField(_l("Room"), validators=[DataRequired(message=_l("Choose a room."))])
    day = DateField(_l("Day"), validators=[DataRequired()])
    starts = TimeField(_l("Start"), validators=[DataRequired()])
    ends = TimeField(_l("End"), validators=[DataRequired()])
    back = HiddenField()
    # Set by the "move anyway" button after the warning that a room is too small for the bookings.
    accept_fewer_seats = HiddenField()


class PublishForm(FlaskForm):
    note = TextAreaField(_l("Note for this version"), validators=[Optional(), Length(max=2000)])
    override = BooleanField(_l("Publish despite hard conflicts (admins only)"))


class ActionForm(FlaskForm):
    """A button that only needs its CSRF token."""

    back = HiddenField()
