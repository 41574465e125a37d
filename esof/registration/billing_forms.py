"""Billing forms: shape checks only; the rules live in refunds, invoicing and bank_statement."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, HiddenField, IntegerField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

# What a confirmed preview carries back: "ESOF-0123456789:45000" per match, comma separated.
MATCHES_PATTERN = r"^(ESOF-\d{10}:\d{1,9})(,ESOF-\d{10}:\d{1,9})*$"


class RefundRulesForm(FlaskForm):
    full_refund_until = DateField(
        _l("Full refund until"), validators=[Optional()],
        description=_l(
            "Cancelling on or before this day (Leiden time) refunds everything. Empty: no full-refund period."
        ),
    )
    partial_refund_percent = IntegerField(
        _l("Partial refund (percent)"), validators=[InputRequired(), NumberRange(min=0, max=100)],
        description=_l("The share refunded after the full-refund day."),
    )
    partial_refund_until = DateField(
        _l("Partial refund until"), validators=[Optional()],
        description=_l("After this day nothing is refunded. Empty: the partial refund never ends."),
    )


class BankStatementForm(FlaskForm):
    statement = FileField(
        _l("Bank statement (CSV)"), validators=[FileRequired(_l("Choose a CSV file."))],
        description=_l(
            "A CSV export of your bank account: a column with the payment reference (or the description) and "
            "one with the amount. Separators ; or , and amounts like 1.234,56 or 1234.56 are read."
        ),
    )


class StatementConfirmForm(FlaskForm):
    matches = HiddenField(validators=[DataRequired(), Length(max=200000), Regexp(MATCHES_PATTERN)])
