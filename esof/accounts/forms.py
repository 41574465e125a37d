"""Account forms: shape checks only; rules live in services."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from esof.form_choices import choices

# Language names are written in their own language, so everyone finds theirs.
LANGUAGE_NAMES = (("en", "English"), ("nl", "Nederlands"))


def language_choices() -> list:
    return choices(LANGUAGE_NAMES)


class SignUpForm(FlaskForm):
    display_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(
        _l("Email address"), validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)]
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(min=10, max=200)],
        description=_l("At least 10 characters."),
    )
    language = SelectField(
        _l("Language"),
        choices=language_choices(),
        default="en",
        description=_l("Used for these pages and for the mails we send you."),
    )


class LoginForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me logged in on this device"))


class PasswordResetRequestForm(FlaskForm):
    email = EmailField(
        _l("Email address"), validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)]
    )


class PasswordResetForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=10, max=200)],
        description=_l("At least 10 characters."),
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))],
    )


class ResendVerificationForm(FlaskForm):
    pass


class LogoutForm(FlaskForm):
    pass


class LogoutEverywhereForm(FlaskForm):
    pass


class ProfileForm(FlaskForm):
    display_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=200)])
    language = SelectField(
        _l("Language"),
        choices=language_choices(),
        description=_l("Used for these pages and for the mails we send you."),
    )
