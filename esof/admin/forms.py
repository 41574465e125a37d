"""Admin forms: shape checks only (the rules about roles live in esof.accounts.services)."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from esof.accounts.models import Role
from esof.form_choices import choices

ROLE_LABELS = {
    Role.DELEGATE: _l("Delegate"),
    Role.SPEAKER: _l("Speaker"),
    Role.PARTNER: _l("Partner editor"),
    Role.ORGANISER: _l("Organiser"),
    Role.CHECKIN: _l("Check-in staff"),
    Role.REVIEWER: _l("Reviewer"),
    Role.ADMIN: _l("Admin"),
}


class RoleForm(FlaskForm):
    """Grant or revoke one role; a role name not in Role is refused by the choice check."""

    role = SelectField(
        _l("Role"), choices=choices((role.value, label) for role, label in ROLE_LABELS.items()),
        validators=[DataRequired()],
    )


class LogoutEverywhereForm(FlaskForm):
    pass


# Dates outside these years are typing mistakes (or probes), not audit questions.
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


def plausible_date(_form: FlaskForm, field: DateField) -> None:
    if field.data is not None and not EARLIEST <= field.data <= LATEST:
        raise ValidationError(_l("Give a date between 2000 and 2100."))


class AuditFilterForm(FlaskForm):
    """The audit log's filters, read from the query string (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    actor = StringField(_l("Done by (name, email or account number)"), validators=[Optional(), Length(max=200)])
    action = StringField(_l("Action"), validators=[Optional(), Length(max=80)])
    target_type = StringField(_l("Target type"), validators=[Optional(), Length(max=60)])
    target_id = IntegerField(_l("Target number"), validators=[Optional(), NumberRange(min=0, max=2**31 - 1)])
    date_from = DateField(_l("From"), validators=[Optional(), plausible_date])
    date_to = DateField(_l("Until"), validators=[Optional(), plausible_date])

    def validate_date_to(self, field: DateField) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date is before the start date."))
