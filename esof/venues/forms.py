"""Venue forms: shape checks only; rules live in services."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FloatField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from esof.form_choices import choices
from esof.i18n import local_date

LAYOUTS = [
    ("theatre", _l("Theatre")),
    ("classroom", _l("Classroom")),
    ("boardroom", _l("Boardroom")),
    ("cabaret", _l("Cabaret")),
    ("open-floor", _l("Open floor")),
    ("workshop", _l("Workshop")),
]


class VenueForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300)])
    city = StringField(_l("City"), default="Leiden", validators=[Optional(), Length(max=100)])
    latitude = FloatField(_l("Latitude"), validators=[Optional(), NumberRange(min=-90, max=90)],
                          description=_l("Decimal degrees, e.g. 52.1572"))
    longitude = FloatField(_l("Longitude"), validators=[Optional(), NumberRange(min=-180, max=180)],
                           description=_l("Decimal degrees, e.g. 4.4858"))
    step_free = BooleanField(_l("The entrance is step-free"))
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])


class RoomForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    capacity = IntegerField(_l("Capacity (seats)"), validators=[DataRequired(), NumberRange(min=0, max=100000)])
    layout = SelectField(_l("Layout"), choices=choices(LAYOUTS), default="theatre")
    streaming = BooleanField(_l("Streaming for hybrid sessions"))
    step_free = BooleanField(_l("The room is step-free"), default=True)
    allows_parallel = BooleanField(
        _l("Several items may run here at once (poster hall, exhibition floor)")
    )
    # Sent as "yes" by the "save anyway" button of the warning that bookings would not fit.
    accept_fewer_seats = HiddenField()


class OpeningHoursForm(FlaskForm):
    """One pair of fields per conference day, named opens_<n> / closes_<n>; built per request."""


def opening_hours_form(days: list, hours: dict) -> FlaskForm:
    class _Form(OpeningHoursForm):
        pass

    for n, day in enumerate(days):
        existing = hours.get(day)
        setattr(_Form, f"opens_{n}", TimeField(
            _l("Opens on %(day)s", day=local_date(day, "medium")), validators=[Optional()],
            default=existing.opens if existing else None))
        setattr(_Form, f"closes_{n}", TimeField(
            _l("Closes on %(day)s", day=local_date(day, "medium")), validators=[Optional()],
            default=existing.closes if existing else None))
    return _Form()


class DeleteForm(FlaskForm):
    pass
