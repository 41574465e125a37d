"""`flask announcements queue`: finish queueing announcements that stopped (a crash)."""
from __future__ import annotations

import click
from flask import Blueprint

from esof.announcements.queueing import BATCH_SIZE, queue_announcement, resume_queueing


def register_commands(bp: Blueprint) -> None:
    @bp.cli.command("queue")
    @click.option("--id", "announcement_id", type=int, default=None, help="Only this announcement.")
    @click.option("--batch-size", default=BATCH_SIZE, show_default=True, help="Mails per committed batch.")
    def queue_command(announcement_id: int | None, batch_size: int) -> None:
        """Queue the mails of every announcement whose queueing has not finished."""
        if announcement_id is not None:
            queued = queue_announcement(announcement_id, size=batch_size)
        else:
            queued = resume_queueing(size=batch_size)
        click.echo(f"queued {queued}")
