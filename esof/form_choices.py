"""Choices of select, radio and multiple-select fields, built the way the installed WTForms
wants them: WTForms 3.3 deprecates (value, label) tuples in favour of SelectChoice objects and
announces their removal; older releases know only tuples. Every form builds its choices here.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

try:
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover  (WTForms before 3.3)
    SelectChoice = None


def choices(pairs: Iterable[tuple[Any, Any]]) -> list[Any]:
    """(value, label) pairs as the field's choices."""
    if SelectChoice is None:  # pragma: no cover
        return list(pairs)
    return [SelectChoice(value=value, label=label) for value, label in pairs]


def keep_stored_choice(field: Any, stored: Any) -> None:
    """Offer the value a record holds even when the list no longer (or never did) name it,
    so that saving the form for another reason does not silently replace it."""
    if stored in (None, "") or any(_value(c) == stored for c in field.choices or []):
        return
    field.choices = [*(field.choices or []), *choices([(stored, str(stored))])]


def _value(choice: Any) -> Any:
    return choice.value if SelectChoice is not None and isinstance(choice, SelectChoice) else choice[0]
