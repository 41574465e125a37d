"""Registration forms: shape checks only; the rules live in services."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    DecimalField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from esof.form_choices import choices
from esof.registration.models import Attendance, DiscountKind, PaymentStatus, QuestionKind


class ProfileFields:
    first_name = StringField(_l("First name"), validators=[DataRequired(), Length(max=100)])
    last_name = StringField(_l("Last name"), validators=[DataRequired(), Length(max=100)])
    affiliation = StringField(
        _l("Affiliation"), validators=[Length(max=200)], description=_l("University, company or organisation.")
    )
    # Choices are the ISO 3166 list in the reader's language, set by the view; the service
    # checks the code, so the API and the CLI give the same answer.
    country = SelectField(_l("Country"), validators=[DataRequired()], validate_choice=False)
    dietary_needs = TextAreaField(
        _l("Dietary needs"), validators=[Length(max=500)], description=_l("For example vegetarian, halal, allergies.")
    )
    accessibility_needs = TextAreaField(
        _l("Accessibility needs"),
        validators=[Length(max=500)],
        description=_l("For example step-free access, a sign-language interpreter, a quiet room."),
    )
    public_listing = BooleanField(_l("Show my name and affiliation in the public list of delegates"))


class BillingFields:
    # All optional: an invoice without them is made out to the delegate (invoicing.py).
    billing_name = StringField(
        _l("Invoice to (name or institution)"), validators=[Length(max=200)],
        description=_l("Empty: your own name and affiliation."),
    )
    billing_address = TextAreaField(_l("Billing address"), validators=[Length(max=1000)])
    billing_vat_number = StringField(
        _l("VAT number"), validators=[Length(max=20)],
        description=_l("With its country prefix, such as DE123456789. An EU VAT number outside the "
                       "Netherlands means 0 % VAT (reverse charge)."),
    )
    billing_po_reference = StringField(_l("Purchase-order reference"), validators=[Length(max=100)])


class RegistrationForm(ProfileFields, BillingFields, FlaskForm):
    # The service decides whether a code exists and is open (one answer for every client).
    category = RadioField(_l("Registration category"), validators=[DataRequired()], validate_choice=False)
    access_code = StringField(
        _l("Access code"),
        validators=[Length(max=64)],
        description=_l("Only for categories that need one, such as speakers."),
    )
    voucher = StringField(
        _l("Voucher code"), validators=[Length(max=60)],
        description=_l("If you have one, for example from a sponsor or for the press."),
    )
    consent = BooleanField(_l("I have read the privacy statement and agree that my data is used for ESOF 2022"))


class BillingForm(BillingFields, FlaskForm):
    pass


class AnswersForm(FlaskForm):
    """CSRF for the answers page; the questions' inputs are read by the view (one per question)."""


class ProfileForm(ProfileFields, FlaskForm):
    pass


class ConfirmForm(FlaskForm):
    """A bare POST with CSRF: cancel, reissue a ticket, approve, reject."""


class EraseAccountForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired(), Length(max=200)])
    confirm = BooleanField(
        _l("I understand that my account and personal data are deleted and cannot be restored"),
        validators=[DataRequired()],
    )


class PaymentForm(FlaskForm):
    payment_status = SelectField(
        _l("Payment status"),
        choices=choices([
            (PaymentStatus.PENDING.value, _l("pending")),
            (PaymentStatus.PAID.value, _l("paid")),
            (PaymentStatus.WAIVED.value, _l("waived")),
        ]),
    )
    # The status the organiser's page showed: a change made meanwhile by someone else is not
    # silently overwritten.
    seen_status = HiddenField(validators=[Optional(), AnyOf([s.value for s in PaymentStatus])])


class OnsiteCapForm(FlaskForm):
    onsite_cap = IntegerField(
        _l("Onsite cap"),
        validators=[Optional(), NumberRange(min=0, max=1_000_000)],
        description=_l("The most delegates that can attend onsite. Empty: no limit."),
    )


def _euro() -> list[object]:
    return [Optional(), NumberRange(min=0, max=100_000)]


class CategoryForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(),
            Length(max=40),
            Regexp(r"^[a-z0-9][a-z0-9-]*$", message=_l("Lower-case letters, digits and hyphens.")),
        ],
    )
    name = StringField(_l("Name (English)"), validators=[DataRequired(), Length(max=200)])
    name_nl = StringField(_l("Name (Dutch)"), validators=[Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Length(max=5000)])
    attendance = SelectField(
        _l("Attendance"),
        choices=choices([(Attendance.ONSITE.value, _l("onsite")), (Attendance.ONLINE.value, _l("online"))]),
    )
    fee = DecimalField(
        _l("Fee (euro)"),
        places=2,
        validators=[InputRequired(), NumberRange(min=0, max=100_000)],
        description=_l("0 for free."),
    )
    early_fee = DecimalField(_l("Early-bird fee (euro)"), places=2, validators=_euro())
    early_deadline = DateField(
        _l("Last day of the early-bird fee"), validators=[Optional()], description=_l("Date in Europe/Amsterdam.")
    )
    opens_at = DateTimeLocalField(
        _l("Opens at"), format="%Y-%m-%dT%H:%M", validators=[Optional()], description=_l("Time in Europe/Amsterdam.")
    )
    closes_at = DateTimeLocalField(
        _l("Closes at"), format="%Y-%m-%dT%H:%M", validators=[Optional()], description=_l("Time in Europe/Amsterdam.")
    )
    capacity = IntegerField(
        _l("Capacity"), validators=[Optional(), NumberRange(min=0, max=1_000_000)], description=_l("Empty: no limit.")
    )
    moderated = BooleanField(_l("Registrations need an organiser's approval"))
    access_code = StringField(
        _l("Access code"), validators=[Length(max=64)], description=_l("Empty: no code needed.")
    )
    sort_order = IntegerField(_l("Position in the list"), validators=[Optional()], default=0)


def _leiden_time(label: str) -> DateTimeLocalField:
    return DateTimeLocalField(
        label, format="%Y-%m-%dT%H:%M", validators=[Optional()], description=_l("Time in Leiden (Europe/Amsterdam).")
    )


class VoucherRulesForm(FlaskForm):
    """What an organiser may change on an existing voucher."""

    max_uses = IntegerField(
        _l("Maximum uses"), validators=[InputRequired(), NumberRange(min=1, max=100_000)], default=1
    )
    valid_from = _leiden_time(_l("Valid from"))
    valid_until = _leiden_time(_l("Valid until"))
    # Choices (the categories) are set by the view; none chosen: every category.
    categories = SelectMultipleField(
        _l("Valid for the categories"), coerce=int, validate_choice=False,
        description=_l("None chosen: every category."),
    )
    beyond_capacity = BooleanField(
        _l("Reserves a place even when the category is full (the onsite cap still holds)")
    )
    note = StringField(_l("Note"), validators=[Length(max=200)], description=_l("What it is for, such as Press."))


class VoucherForm(VoucherRulesForm):
    code = StringField(
        _l("Code"), validators=[Length(max=40)],
        description=_l("Empty: codes are generated (a batch of the number below)."),
    )
    count = IntegerField(
        _l("Number of codes to generate"), validators=[Optional(), NumberRange(min=1, max=500)], default=1
    )
    prefix = StringField(_l("Prefix of generated codes"), validators=[Length(max=25)])
    kind = SelectField(
        _l("Discount"),
        choices=choices([
            (DiscountKind.PERCENT.value, _l("percent off")),
            (DiscountKind.AMOUNT.value, _l("amount off (euro)")),
            (DiscountKind.PRICE.value, _l("fixed price (euro)")),
        ]),
    )
    value = DecimalField(
        _l("Percent or euro"), places=2, validators=[InputRequired(), NumberRange(min=0, max=100_000)]
    )


QUESTION_KINDS = (
    (QuestionKind.TEXT.value, _l("text")),
    (QuestionKind.CHOICE.value, _l("one of the choices")),
    (QuestionKind.CHOICES.value, _l("any of the choices")),
    (QuestionKind.YES_NO.value, _l("yes or no")),
    (QuestionKind.NUMBER.value, _l("number")),
    (QuestionKind.DATE.value, _l("date")),
)


class QuestionForm(FlaskForm):
    text = StringField(_l("Question (English)"), validators=[DataRequired(), Length(max=300)])
    text_nl = StringField(_l("Question (Dutch)"), validators=[Length(max=300)])
    kind = SelectField(_l("Kind of answer"), choices=choices(QUESTION_KINDS))
    required = BooleanField(_l("An answer is required"))
    categories = SelectMultipleField(
        _l("Asked in the categories"), coerce=int, validate_choice=False,
        description=_l("None chosen: every category."),
    )
    choices_en = TextAreaField(
        _l("Choices (English), one a line"), validators=[Length(max=6000)],
        description=_l("Only for choice questions."),
    )
    choices_nl = TextAreaField(
        _l("Choices (Dutch), one a line, in the same order"), validators=[Length(max=6000)]
    )


def cents(amount: Decimal | None) -> int | None:
    return None if amount is None else int((amount * 100).to_integral_value())
