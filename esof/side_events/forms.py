"""Side-event forms: shape checks only; the rules live in services."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    EmailField,
    FloatField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
    URLField,
    widgets,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, ValidationError

from esof.form_choices import choices, keep_stored_choice
from esof.side_events import recurrence as rec
from esof.side_events.models import Audience, EventCategory
from esof.side_events.neighbourhoods import NEIGHBOURHOODS
from esof.side_events.submission import EventInput

CATEGORY_LABELS = {
    EventCategory.LECTURE: _l("Lecture"),
    EventCategory.EXHIBITION: _l("Exhibition"),
    EventCategory.WORKSHOP: _l("Workshop"),
    EventCategory.FAMILY: _l("Family activity"),
    EventCategory.TOUR: _l("Tour"),
    EventCategory.FESTIVAL: _l("Festival"),
    EventCategory.DEBATE: _l("Debate"),
    EventCategory.PERFORMANCE: _l("Performance"),
    EventCategory.OTHER: _l("Other"),
}
AUDIENCE_LABELS = {
    Audience.CHILDREN: _l("Children"),
    Audience.FAMILIES: _l("Families"),
    Audience.ADULTS: _l("Adults"),
    Audience.PROFESSIONALS: _l("Professionals"),
}
LANGUAGE_LABELS = {"nl": _l("Dutch"), "en": _l("English")}
WEEKDAY_LABELS = (
    _l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"), _l("Saturday"), _l("Sunday"),
)
FREQUENCY_LABELS = {
    rec.Frequency.NONE: _l("Does not repeat"),
    rec.Frequency.DAILY: _l("Every day"),
    rec.Frequency.WEEKLY: _l("Every week, on the chosen days"),
    rec.Frequency.MONTHLY: _l("Every month, on the same day of the month"),
}


class CheckboxListField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def parse_dates(text: str) -> list[date]:
    """'2022-04-18, 2022-05-05' or one per line -> dates; raises ValueError on bad input."""
    found = []
    for part in text.replace(",", "\n").replace(";", "\n").split():
        found.append(date.fromisoformat(part.strip()))
    return found


class EventForm(FlaskForm):
    organisation = SelectField(_l("Organisation"), coerce=int, validators=[DataRequired()])
    title_nl = StringField(_l("Title in Dutch"), validators=[Optional(), Length(max=300)])
    title_en = StringField(_l("Title in English"), validators=[Optional(), Length(max=300)])
    description_nl = TextAreaField(
        _l("Description in Dutch"), validators=[Optional(), Length(max=20000)],
        description=_l("Markdown or simple HTML: paragraphs, bold, italic, lists and links."),
    )
    description_en = TextAreaField(
        _l("Description in English"), validators=[Optional(), Length(max=20000)],
        description=_l("Markdown or simple HTML: paragraphs, bold, italic, lists and links."),
    )
    language = SelectField(
        _l("Language spoken at the event"), choices=choices(LANGUAGE_LABELS.items()), default="nl"
    )
    category = SelectField(
        _l("Category"), choices=choices((c.value, label) for c, label in CATEGORY_LABELS.items()),
        validators=[DataRequired()],
    )
    audience = CheckboxListField(
        _l("Audience"), choices=choices((a.value, label) for a, label in AUDIENCE_LABELS.items())
    )
    venue = SelectField(_l("Venue"), coerce=int, default=0)
    location_name = StringField(_l("Location name"), validators=[Optional(), Length(max=200)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300)])
    # The filters' list; an older event's own name is offered too (fill_from), any is kept.
    neighbourhood = SelectField(
        _l("Neighbourhood"), validators=[Optional(), Length(max=100)], validate_choice=False,
        choices=choices([("", _l("None given")), *((n, n) for n in NEIGHBOURHOODS)]), default="",
    )
    latitude = FloatField(_l("Latitude"), validators=[Optional(), NumberRange(-90, 90)])
    longitude = FloatField(_l("Longitude"), validators=[Optional(), NumberRange(-180, 180)])
    all_day = BooleanField(_l("All-day event (for example an exhibition)"))
    # InputRequired, not DataRequired: a date typed wrong ("2022-02-30") is answered "Not a valid
    # date value", not "This field is required".
    start_date = DateField(_l("Start date"), validators=[InputRequired()])
    start_time = TimeField(_l("Start time"), validators=[Optional()])
    end_date = DateField(_l("End date"), validators=[InputRequired()])
    end_time = TimeField(_l("End time"), validators=[Optional()])
    frequency = SelectField(
        _l("Repeats"), choices=choices((f.value, label) for f, label in FREQUENCY_LABELS.items()), default="none"
    )
    interval = IntegerField(
        _l("Every how many days, weeks or months"), default=1,
        validators=[Optional(), NumberRange(1, 52)],
    )
    weekdays = CheckboxListField(
        _l("On these days (weekly)"), coerce=int, choices=choices(enumerate(WEEKDAY_LABELS))
    )
    until = DateField(_l("Repeat until"), validators=[Optional()])
    exdates = TextAreaField(
        _l("Excluded dates"), validators=[Optional(), Length(max=5000)],
        description=_l("Dates without the event, as YYYY-MM-DD, separated by commas or new lines."),
    )
    price = DecimalField(
        _l("Price in euro"), places=2, validators=[Optional(), NumberRange(min=Decimal("0"))],
        description=_l("Leave empty or 0 for a free event."),
    )
    # type="url" (the browser's keyboard and check); the services accept only http(s) links
    # and https images.
    booking_url = URLField(_l("Booking link"), validators=[Optional(), Length(max=500)])
    image_url = URLField(_l("Image address"), validators=[Optional(), Length(max=500)])
    image_alt = StringField(
        _l("What the image shows"), validators=[Optional(), Length(max=300)],
        description=_l("For people who cannot see the image, for example \"Children looking through a telescope\"."
                       " Leave empty if it shows nothing the text does not say."),
    )

    # The "Save as draft" button: keep the event to the partner's organisation for now.
    draft = SubmitField(_l("Save as draft"))

    def validate_exdates(self, field: TextAreaField) -> None:
        try:
            parse_dates(field.data or "")
        except ValueError as exc:
            raise ValidationError(_l("Write dates as YYYY-MM-DD.")) from exc

    def to_input(self) -> EventInput:
        price = self.price.data
        return EventInput(
            title_en=self.title_en.data or "",
            title_nl=self.title_nl.data or "",
            description_en=self.description_en.data or "",
            description_nl=self.description_nl.data or "",
            language=self.language.data,
            category=EventCategory(self.category.data),
            audiences=tuple(Audience(a) for a in self.audience.data or []),
            venue_id=self.venue.data or None,
            location_name=self.location_name.data or "",
            address=self.address.data or "",
            neighbourhood=self.neighbourhood.data or "",
            latitude=self.latitude.data,
            longitude=self.longitude.data,
            all_day=bool(self.all_day.data),
            start_date=self.start_date.data,
            end_date=self.end_date.data,
            start_time=None if self.all_day.data else self.start_time.data,
            end_time=None if self.all_day.data else self.end_time.data,
            recurrence=rec.Recurrence(
                frequency=rec.Frequency(self.frequency.data),
                interval=self.interval.data or 1,
                weekdays=tuple(self.weekdays.data or ()),
                until=self.until.data,
                exdates=tuple(parse_dates(self.exdates.data or "")),
            ),
            price_cents=int(price * 100) if price else None,
            booking_url=self.booking_url.data or "",
            image_url=self.image_url.data or "",
            image_alt=self.image_alt.data or "",
        )

    def fill_from(self, data: EventInput) -> None:
        self.title_en.data, self.title_nl.data = data.title_en, data.title_nl
        self.description_en.data, self.description_nl.data = data.description_en, data.description_nl
        self.language.data, self.category.data = data.language, data.category.value
        self.audience.data = [a.value for a in data.audiences]
        self.venue.data = data.venue_id or 0
        self.location_name.data, self.address.data = data.location_name, data.address
        self.neighbourhood.data = data.neighbourhood
        keep_stored_choice(self.neighbourhood, data.neighbourhood)
        self.latitude.data, self.longitude.data = data.latitude, data.longitude
        self.all_day.data = data.all_day
        self.start_date.data, self.start_time.data = data.start_date, data.start_time
        self.end_date.data, self.end_time.data = data.end_date, data.end_time
        self.frequency.data = data.recurrence.frequency.value
        self.interval.data = data.recurrence.interval
        self.weekdays.data = list(data.recurrence.weekdays)
        self.until.data = data.recurrence.until
        self.exdates.data = "\n".join(d.isoformat() for d in data.recurrence.exdates)
        self.price.data = Decimal(data.price_cents) / 100 if data.price_cents else None
        self.booking_url.data, self.image_url.data = data.booking_url, data.image_url
        self.image_alt.data = data.image_alt


class ModerationForm(FlaskForm):
    """The revision the moderator's page showed: a decision is about that text, or none."""

    seen_revision_id = IntegerField(widget=widgets.HiddenInput(), validators=[InputRequired()])
    seen_version = IntegerField(widget=widgets.HiddenInput(), validators=[InputRequired()])


class RejectForm(ModerationForm):
    reason = TextAreaField(
        _l("Reason for the partner"), validators=[DataRequired(), Length(max=2000)],
        description=_l("The partner receives this by email."),
    )


class ApproveForm(ModerationForm):
    pass


class BulkApproveForm(FlaskForm):
    """The queue's checkboxes: each names the event and the revision and version it showed,
    "<event id>:<revision id>:<version>", so that approving is of what the moderator saw."""

    selected = SelectMultipleField(_l("Select"), validate_choice=False)

    def validate_selected(self, field: SelectMultipleField) -> None:
        if not field.data:
            raise ValidationError(_l("Select the events to approve first."))
        if not all(_seen_item(value) for value in field.data):
            raise ValidationError(_l("The selection is not valid. Reload the queue and select again."))

    def seen_items(self) -> list[tuple[int, int, int]]:
        """(event id, revision id, version) of each selected row, each event once."""
        found: dict[int, tuple[int, int, int]] = {}
        for value in self.selected.data or []:
            item = _seen_item(value)
            if item is not None:
                found.setdefault(item[0], item)
        return list(found.values())


def _seen_item(value: str) -> tuple[int, int, int] | None:
    parts = value.split(":")
    if len(parts) != 3 or not all(p.isdigit() and len(p) < 10 for p in parts):
        return None
    return int(parts[0]), int(parts[1]), int(parts[2])


class CancelForm(FlaskForm):
    """Cancel a public event, or only the date given in `occurrence` (the local day it starts)."""

    occurrence = SelectField(_l("What is cancelled"), default="", validate_choice=False)
    reason = TextAreaField(
        _l("Reason (optional)"), validators=[Optional(), Length(max=2000)],
        description=_l("Shown on the event's page and in calendars."),
    )

    def validate_occurrence(self, field: SelectField) -> None:
        if field.data:
            try:
                date.fromisoformat(field.data)
            except ValueError as exc:
                raise ValidationError(_l("Write dates as YYYY-MM-DD.")) from exc

    @property
    def day(self) -> date | None:
        return date.fromisoformat(self.occurrence.data) if self.occurrence.data else None


class OrganisationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    website = URLField(_l("Website"), validators=[Optional(), Length(max=300)])
    contact_email = EmailField(
        _l("Contact email"), validators=[Optional(), Email(check_deliverability=False), Length(max=254)]
    )


class InviteForm(FlaskForm):
    email = EmailField(
        _l("Editor's email address"),
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )


class AcceptInvitationForm(FlaskForm):
    display_name = StringField(_l("Your name"), validators=[Optional(), Length(max=200)])
    password = StringField(
        _l("Password"), validators=[Optional(), Length(min=10, max=200)],
        description=_l("At least 10 characters."), widget=widgets.PasswordInput(),
    )
    # The account's language, which its pages follow as well as its mails: by default the one
    # this page is read in (a fixed default made a reader of the English page a Dutch account).
    language = SelectField(
        _l("Your language, for these pages and for mails"),
        choices=choices([("nl", "Nederlands"), ("en", "English")]), default=lambda: str(get_locale() or "en"),
    )
