"""Forms of the speakers' area: shape checks only (the https rule for photos is the service's)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from esof.programme.forms import AvailabilityForm

__all__ = ["ActionForm", "AvailabilityForm", "ParticipationForm", "ProfileForm"]


class ProfileForm(FlaskForm):
    affiliation = StringField(_l("Affiliation"), validators=[Optional(), Length(max=200)],
                              description=_l("Shown with your name in the programme from its next publication."))
    bio = TextAreaField(_l("Short biography"), validators=[Optional(), Length(max=5000)],
                        description=_l("Shown on your public speaker page at once. Separate paragraphs "
                                       "with an empty line."))
    photo_url = StringField(_l("Photo address"), validators=[Optional(), Length(max=500)],
                            description=_l("The https:// address of a portrait of you, shown on your "
                                           "public speaker page."))
    needs_step_free = BooleanField(_l("I need step-free access to the rooms I speak in"))


class ParticipationForm(FlaskForm):
    answer = HiddenField(validators=[DataRequired(), AnyOf(["confirmed", "declined"])])


class ActionForm(FlaskForm):
    """A button that only needs its CSRF token."""
