"""Check-in forms: shape checks only; doors, tickets and counts are the services' business."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, RadioField, SearchField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from esof.checkin.models import Direction
from esof.form_choices import choices
from esof.registration.models import PaymentStatus, RegistrationStatus

DIRECTION_CHOICES = [(Direction.IN.value, _l("In (entering)")), (Direction.OUT.value, _l("Out (leaving)"))]


class DoorForm(FlaskForm):
    """The door and direction this phone scans for; a GET form, kept in the address."""

    class Meta:
        csrf = False

    # Choices are the venues and rooms, set by the view.
    door = SelectField(_l("Door"), validators=[DataRequired()])
    direction = RadioField(_l("Direction"), choices=choices(DIRECTION_CHOICES), default=Direction.IN.value)


class SearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = SearchField(
        _l("Name"), validators=[Optional(), Length(max=100)],
        description=_l("Name, affiliation or email address; at least two letters."),
    )


class ScanForm(FlaskForm):
    """One scan: a typed or pasted ticket code, or a registration chosen from the search."""

    door = HiddenField(validators=[DataRequired(), Length(max=40)])
    direction = HiddenField(validators=[DataRequired(), Length(max=3)])
    code = StringField(
        _l("Ticket code"), validators=[Optional(), Length(max=500)],
        render_kw={"autocapitalize": "characters", "spellcheck": "false", "inputmode": "text"},
        description=_l("Type the code printed on the ticket (e.g. 0017-K3QZ-8TMW; any case, hyphens optional), "
                       "or use a hand scanner."),
    )
    # The long signed code of earlier tickets, still accepted from older scanner set-ups.
    token = HiddenField(validators=[Optional(), Length(max=500)])
    registration_id = IntegerField(validators=[Optional(), NumberRange(min=1)])


class BadgeFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = SearchField(_l("Name, affiliation or email"), validators=[Optional(), Length(max=100)])
    # Choices are the categories, set by the view.
    category = SelectField(_l("Category"), validators=[Optional()], validate_choice=False)
    status = SelectField(
        _l("Registration status"), validators=[Optional()], default=RegistrationStatus.CONFIRMED.value,
        choices=choices([("", _l("Any status")), (RegistrationStatus.CONFIRMED.value, _l("Confirmed")),
                         (RegistrationStatus.AWAITING_APPROVAL.value, _l("Awaiting approval")),
                         (RegistrationStatus.WAITLISTED.value, _l("Waiting list"))]),
    )
    payment = SelectField(
        _l("Payment"), validators=[Optional()],
        choices=choices([("", _l("Any payment status")), (PaymentStatus.PAID.value, _l("Paid")),
                         (PaymentStatus.WAIVED.value, _l("Waived")), (PaymentStatus.PENDING.value, _l("Pending"))]),
    )
