"""Sections of a delegate's personal-data export that other areas contribute.

An area registers a function `user -> JSON-able value` under a name; the export calls each
one. Registration imports nothing from the areas built on it (bookings, programme stars ...).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from esof.accounts.models import User

PersonalDataSection = Callable[[User], Any]
_sections: dict[str, PersonalDataSection] = {}


def register_personal_data_section(name: str, collect: PersonalDataSection) -> None:
    _sections[name] = collect


def extra_sections(user: User) -> dict[str, Any]:
    return {name: collect(user) for name, collect in sorted(_sections.items())}
