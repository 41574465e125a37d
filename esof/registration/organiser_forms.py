"""The organisers' correction of a registration: shape checks only (corrections.py decides)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField

from esof.registration.forms import BillingFields, ProfileFields


class CorrectionForm(ProfileFields, BillingFields, FlaskForm):
    # Choices (every category, with its attendance and fee) are set by the view; the service
    # checks the id, its places and its fee.
    category_id = SelectField(_l("Category"), coerce=int, validate_choice=False)
