"""What the speakers' area does when the programme publishes (docs/ARCHITECTURE.md, "Areas that
react to each other"): the programme sends `schedule_published` and never imports this area.
:func:`connect_receivers` is called once, by the factory's register_signal_receivers."""
from __future__ import annotations

from esof.programme.signals import schedule_published
from esof.speakers.mail import mail_speakers_of_changes


def connect_receivers() -> None:
    """Idempotent: blinker keeps one connection per receiver function."""
    schedule_published.connect(mail_speakers_of_changes, weak=False)
