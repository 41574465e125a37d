"""The announcement form: the text in both languages and the segment (shape only; the
services check that ids exist and that the segment is not empty)."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField, widgets
from wtforms.validators import DataRequired, Length

from esof.announcements.segment import Segment
from esof.form_choices import choices
from esof.registration.models import Attendance, PaymentStatus, RegistrationStatus

STATUS_LABELS = {
    RegistrationStatus.PENDING_VERIFICATION: _l("Address not verified yet"),
    RegistrationStatus.CONFIRMED: _l("Confirmed"),
    RegistrationStatus.WAITLISTED: _l("On the waiting list"),
    RegistrationStatus.AWAITING_APPROVAL: _l("Awaiting approval"),
    RegistrationStatus.CANCELLED: _l("Cancelled"),
}
PAYMENT_LABELS = {
    PaymentStatus.PENDING: _l("Pending"), PaymentStatus.PAID: _l("Paid"), PaymentStatus.WAIVED: _l("Waived"),
}
ATTENDANCE_LABELS = {Attendance.ONSITE: _l("On site"), Attendance.ONLINE: _l("Online")}
BOOKING_LABELS = {
    "": _l("Booked or waiting"), "booked": _l("Booked (has a seat)"), "waiting": _l("On the waiting list"),
}


class CheckboxListField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def _optional_int(value: Any) -> int | None:
    if value in (None, ""):
        return None
    return int(value)


class AnnouncementForm(FlaskForm):
    subject_en = StringField(_l("Subject (English)"), validators=[
        DataRequired(_l("Write a subject in English.")), Length(max=200)])
    body_en = TextAreaField(_l("Text (English)"), validators=[DataRequired(_l("Write the text in English."))],
                            render_kw={"rows": 8})
    subject_nl = StringField(_l("Subject (Dutch)"), validators=[
        DataRequired(_l("Write a subject in Dutch.")), Length(max=200)])
    body_nl = TextAreaField(_l("Text (Dutch)"), validators=[DataRequired(_l("Write the text in Dutch."))],
                            render_kw={"rows": 8})

    categories = CheckboxListField(_l("Registration category"), coerce=int)
    attendance = SelectField(_l("Attendance"), default="")
    statuses = CheckboxListField(_l("Registration status"))
    payment_statuses = CheckboxListField(_l("Payment status"))
    countries = SelectMultipleField(_l("Country"), description=_l("Hold Ctrl (or Cmd) to choose several."),
                                    render_kw={"size": 6})
    session_id = SelectField(_l("Booked or waiting for the session"), coerce=_optional_int)
    booking = SelectField(_l("Booking"), default="")
    track_id = SelectField(_l("Speakers of the track"), coerce=_optional_int)

    # The preview's count, sent back with the confirmation: a change in between is noticed.
    expected_count = HiddenField()
    action = HiddenField(default="preview")

    def fill_choices(self, *, categories: list[tuple[int, str]], countries: list[tuple[str, str]],
                     sessions: list[tuple[int, str]], tracks: list[tuple[int, str]]) -> None:
        self.categories.choices = choices(categories)
        self.attendance.choices = choices(
            [("", _l("Any"))] + [(a.value, label) for a, label in ATTENDANCE_LABELS.items()])
        self.statuses.choices = choices([(s.value, label) for s, label in STATUS_LABELS.items()])
        self.payment_statuses.choices = choices([(s.value, label) for s, label in PAYMENT_LABELS.items()])
        self.countries.choices = choices(countries)
        self.session_id.choices = choices([("", _l("No session condition"))] + sessions)
        self.booking.choices = choices(list(BOOKING_LABELS.items()))
        self.track_id.choices = choices([("", _l("No track condition"))] + tracks)

    def segment(self) -> Segment:
        return Segment(
            categories=tuple(sorted(self.categories.data or ())),
            attendance=self.attendance.data or "",
            statuses=tuple(sorted(self.statuses.data or ())),
            payment_statuses=tuple(sorted(self.payment_statuses.data or ())),
            countries=tuple(sorted(self.countries.data or ())),
            session_id=self.session_id.data,
            booking=self.booking.data or "",
            track_id=self.track_id.data,
        )

    def expected(self) -> int | None:
        value = (self.expected_count.data or "").strip()
        return int(value) if value.isdigit() else None
