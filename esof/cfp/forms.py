"""Call-for-sessions forms: shape checks only; the rules live in the services."""
from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from esof.cfp.call import DECISIONS, LANGUAGES, OFFERABLE_FORMATS, CallInput, Criterion, parse_criteria
from esof.cfp.models import SCORE_MAX, SCORE_MIN, ProposalState
from esof.cfp.review import ReviewInput
from esof.cfp.submission import MAX_CO_SPEAKERS, ProposalInput
from esof.conference import conference_zone, to_local
from esof.form_choices import choices
from esof.programme.forms import FORMAT_LABELS

LANGUAGE_LABELS = {"en": _l("English"), "nl": _l("Dutch")}
DECISION_LABELS = {
    ProposalState.ACCEPTED: _l("Accept"),
    ProposalState.REJECTED: _l("Reject"),
    ProposalState.WAITLISTED: _l("Put on the waiting list"),
}
STATE_LABELS = {
    ProposalState.DRAFT: _l("Draft"),
    ProposalState.SUBMITTED: _l("Submitted"),
    ProposalState.WAITLISTED: _l("Waiting list"),
    ProposalState.ACCEPTED: _l("Accepted"),
    ProposalState.REJECTED: _l("Not accepted"),
    ProposalState.WITHDRAWN: _l("Withdrawn"),
}
SCORE_CHOICES = [(n, str(n)) for n in range(SCORE_MIN, SCORE_MAX + 1)]
ADDRESS_SEPARATORS = re.compile(r"[\s,;]+")


class CheckboxListField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def split_addresses(text: str) -> list[str]:
    return [part for part in ADDRESS_SEPARATORS.split(text or "") if part]


def local_instant(value: datetime | None) -> datetime | None:
    """A wall-clock time typed in the conference zone, as an aware instant."""
    return value.replace(tzinfo=conference_zone()) if value is not None else None


def local_wall_clock(value: datetime | None) -> datetime | None:
    return to_local(value).replace(tzinfo=None) if value is not None else None


# --- the call (organisers) ----------------------------------------------------------------

class CallForm(FlaskForm):
    opens_at = DateTimeLocalField(_l("Opens at"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    closes_at = DateTimeLocalField(
        _l("Deadline"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()],
        description=_l("Proposals can be submitted and changed until this moment."),
    )
    formats = CheckboxListField(
        _l("Formats offered"), choices=choices((f.value, FORMAT_LABELS[f]) for f in OFFERABLE_FORMATS),
        description=_l("Keynotes are by invitation only and are never offered."),
    )
    tracks = CheckboxListField(_l("Tracks offered"), coerce=int)
    guidance_en = TextAreaField(
        _l("Guidance in English"), validators=[Optional(), Length(max=20000)],
        description=_l("Markdown: paragraphs, bold, italic, lists and links."),
    )
    guidance_nl = TextAreaField(
        _l("Guidance in Dutch"), validators=[Optional(), Length(max=20000)],
        description=_l("Markdown: paragraphs, bold, italic, lists and links."),
    )
    criteria = TextAreaField(
        _l("Review criteria"), validators=[Optional(), Length(max=2000)],
        description=_l("One a line: the English name, then | and the Dutch name. Reviewers score each from 1 to 5,"
                       " besides the overall score."),
    )
    reviewing_open = BooleanField(_l("Reviewers may score proposals"))

    def text_fields(self, decision: ProposalState, language: str) -> tuple[Any, Any]:
        return self[f"{decision.value}_{language}_subject"], self[f"{decision.value}_{language}_body"]

    def to_input(self) -> CallInput:
        texts: dict[str, Any] = {}
        for decision in DECISIONS:
            for language in LANGUAGES:
                subject, body = self.text_fields(decision, language)
                texts.setdefault(decision.value, {})[language] = {"subject": subject.data or "",
                                                                 "body": body.data or ""}
        opens_at, closes_at = local_instant(self.opens_at.data), local_instant(self.closes_at.data)
        assert opens_at is not None and closes_at is not None  # DataRequired
        return CallInput(
            opens_at=opens_at, closes_at=closes_at, formats=list(self.formats.data or []),
            track_ids=list(self.tracks.data or []), guidance_en=self.guidance_en.data or "",
            guidance_nl=self.guidance_nl.data or "", criteria=parse_criteria(self.criteria.data or ""),
            reviewing_open=bool(self.reviewing_open.data), decision_texts=texts,
        )


for _decision in DECISIONS:
    for _language in LANGUAGES:
        setattr(CallForm, f"{_decision.value}_{_language}_subject",
                StringField(_l("Subject"), validators=[Optional(), Length(max=200)]))
        setattr(CallForm, f"{_decision.value}_{_language}_body",
                TextAreaField(_l("Text"), validators=[Optional(), Length(max=5000)]))


# --- proposals (speakers) -----------------------------------------------------------------

class ProposalForm(FlaskForm):
    title = StringField(_l("Title in English"), validators=[Optional(), Length(max=300)])
    abstract = TextAreaField(
        _l("Abstract in English"), validators=[Optional(), Length(max=5000)],
        description=_l("What the session is about and what the audience takes home; at most 5000 characters."),
    )
    title_nl = StringField(_l("Title in Dutch (optional)"), validators=[Optional(), Length(max=300)])
    abstract_nl = TextAreaField(_l("Abstract in Dutch (optional)"), validators=[Optional(), Length(max=5000)])
    format = SelectField(_l("Format"), validate_choice=False)
    track = SelectField(_l("Track"), coerce=int, default=0, validate_choice=False)
    language = SelectField(_l("Language of the session"), choices=choices(LANGUAGE_LABELS.items()), default="en")
    expected_audience = IntegerField(
        _l("Expected audience"), validators=[Optional(), NumberRange(min=0, max=5000)], default=0,
        description=_l("About how many people you expect."),
    )
    needs_step_free = BooleanField(_l("A speaker needs step-free access"))
    needs_streaming = BooleanField(_l("The session should be streamed for online delegates"))
    equipment = StringField(
        _l("Equipment"), validators=[Optional(), Length(max=500)],
        description=_l("For example: a piano, two extra microphones, tables for groups."),
    )
    co_speakers = TextAreaField(
        _l("Co-speakers"), validators=[Optional(), Length(max=2000)],
        description=_l("Email addresses, one a line, at most %(n)d. Each receives an invitation to accept or"
                       " decline once the proposal is submitted.", n=MAX_CO_SPEAKERS),
    )
    action = StringField(widget=widgets.HiddenInput(), default="draft")

    def set_choices(self, formats: Sequence[Any], tracks: Sequence[Any], language: str) -> None:
        self.format.choices = choices([("", _l("Choose a format")), *((f.value, FORMAT_LABELS[f]) for f in formats)])
        self.track.choices = choices([
            (0, _l("Choose a track")),
            *((t.id, t.name_nl if language == "nl" and t.name_nl else t.name) for t in tracks),
        ])

    @property
    def submitting(self) -> bool:
        return self.action.data == "submit"

    def to_input(self) -> ProposalInput:
        return ProposalInput(
            title=self.title.data or "", abstract=self.abstract.data or "", title_nl=self.title_nl.data or "",
            abstract_nl=self.abstract_nl.data or "", format=self.format.data or None,
            track_id=self.track.data or None, language=self.language.data,
            expected_audience=self.expected_audience.data or 0, needs_step_free=bool(self.needs_step_free.data),
            needs_streaming=bool(self.needs_streaming.data), equipment=self.equipment.data or "",
            co_speakers=split_addresses(self.co_speakers.data or ""),
        )

    def fill_from(self, data: ProposalInput) -> None:
        self.title.data, self.abstract.data = data.title, data.abstract
        self.title_nl.data, self.abstract_nl.data = data.title_nl, data.abstract_nl
        self.format.data, self.track.data, self.language.data = data.format or "", data.track_id or 0, data.language
        self.expected_audience.data = data.expected_audience
        self.needs_step_free.data, self.needs_streaming.data = data.needs_step_free, data.needs_streaming
        self.equipment.data = data.equipment
        self.co_speakers.data = "\n".join(data.co_speakers)


class VersionForm(FlaskForm):
    """The version of the proposal the page showed: an action is about that, or nothing."""

    seen_version = IntegerField(widget=widgets.HiddenInput(), validators=[InputRequired()])


class ActionForm(FlaskForm):
    pass


# --- co-speakers' invitations -------------------------------------------------------------

class AnswerForm(FlaskForm):
    answer = StringField(widget=widgets.HiddenInput(), validators=[DataRequired()])

    def validate_answer(self, field: StringField) -> None:
        if field.data not in ("accept", "decline"):
            raise ValidationError(_l("Choose to accept or to decline."))


class InvitedSignUpForm(FlaskForm):
    display_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=200)])
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), Length(min=10, max=200)],
        description=_l("At least 10 characters."),
    )
    language = SelectField(
        _l("Language"), choices=choices([("en", "English"), ("nl", "Nederlands")]), default="en",
        description=_l("Used for these pages and for the mails we send you."),
    )


# --- review -------------------------------------------------------------------------------

class ReviewFormBase(FlaskForm):
    score = RadioField(_l("Overall score"), coerce=int, choices=choices(SCORE_CHOICES), validators=[InputRequired()],
                       description=_l("1 is weak, 5 is excellent."))
    comment = TextAreaField(
        _l("Comment for the committee"), validators=[Optional(), Length(max=5000)],
        description=_l("Seen by the organisers and by reviewers who scored this proposal; never by the speakers."),
    )
    criterion_keys: tuple[str, ...] = ()

    def criterion_fields(self) -> list[Any]:
        return [self[f"score_{key}"] for key in self.criterion_keys]

    def to_input(self) -> ReviewInput:
        return ReviewInput(
            score=self.score.data,
            criteria={key: self[f"score_{key}"].data for key in self.criterion_keys},
            comment=self.comment.data or "",
        )


def review_form_class(criteria: Sequence[Criterion], language: str) -> type[ReviewFormBase]:
    """The review form for the call's criteria: `score` overall, `score_<key>` for each criterion."""
    fields: dict[str, Any] = {
        f"score_{c.key}": RadioField(c.label_in(language), coerce=int, choices=choices(SCORE_CHOICES),
                                     validators=[InputRequired()])
        for c in criteria
    }
    fields["criterion_keys"] = tuple(c.key for c in criteria)
    return type("ReviewForm", (ReviewFormBase,), fields)


# --- decisions (organisers) ---------------------------------------------------------------

class DecisionForm(VersionForm):
    decision = SelectField(
        _l("Decision"), choices=choices((d.value, label) for d, label in DECISION_LABELS.items()),
        validators=[DataRequired()],
    )


class BulkDecisionForm(FlaskForm):
    decision = SelectField(
        _l("Decision for the ticked proposals"),
        choices=choices((d.value, label) for d, label in DECISION_LABELS.items()), validators=[DataRequired()],
    )
    # "id:version" for each ticked proposal: the version the list showed.
    proposals = SelectMultipleField(_l("Proposals"), validate_choice=False, validators=[DataRequired()])

    def validate_proposals(self, field: SelectMultipleField) -> None:
        if not all(re.fullmatch(r"\d+:\d+", value or "") for value in field.data or []):
            raise ValidationError(_l("Tick the proposals in the list."))

    def chosen(self) -> list[tuple[int, int]]:
        return [(int(i), int(v)) for i, v in (value.split(":") for value in self.proposals.data or [])]
