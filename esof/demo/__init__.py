"""`flask --app esof demo-data`: a realistic, deterministic ESOF 2022 data set.

The history is 2022's (the call for sessions and its reviews, registrations, bookings,
publications, check-ins), but the registration categories and the call stay open until 60
days after the load day (early-bird fee for 30 days), so the demo can be tried; ``--historic``
keeps the 2022 windows (registration and the call closed). The pages then say that this is
demo data of a past event.

esof/demo/builder.py runs the generator's parts (people, programme, registrations,
side_events, schedule, bookings, checkins, speakers, cfp, reviews; context.py holds what they
share); their fixed facts (venues, tracks, partners, name pools, the call's texts) are in
esof/demo/data.py, the conference's in esof/conference.py.
"""
from __future__ import annotations

import time

import click
from flask import Flask

from esof.db import utcnow
from esof.demo.builder import build_demo_data
from esof.demo.context import DemoSizes
from esof.demo.database import empty_database, non_empty_tables
from esof.demo.people import DEFAULT_PASSWORD, demo_accounts
from esof.extensions import db


def register_demo_command(app: Flask) -> None:
    @app.cli.command("demo-data")
    @click.option("--seed", default=2022, show_default=True, help="Same seed, same data.")
    @click.option("--reset", is_flag=True, help="Empty every table first (all data is lost).")
    @click.option("--password", default=DEFAULT_PASSWORD, show_default=True,
                  help="Password of every demo account.")
    @click.option("--delegates", default=5000, show_default=True, type=click.IntRange(0, 50_000))
    @click.option("--sessions", default=300, show_default=True, type=click.IntRange(5, 2_000))
    @click.option("--side-events", "side_events", default=600, show_default=True, type=click.IntRange(0, 10_000))
    @click.option("--partners", default=40, show_default=True, type=click.IntRange(1, 500))
    @click.option("--historic", is_flag=True,
                  help="Keep the 2022 registration windows (closed now) instead of opening them for a try.")
    def demo_data_command(
        seed: int, reset: bool, password: str, delegates: int, sessions: int, side_events: int, partners: int,
        historic: bool,
    ) -> None:
        """Load ESOF 2022 demo data: venues, programme, delegates, bookings, check-ins, side events, demo accounts."""
        started = time.perf_counter()
        if reset:
            empty_database()
        else:
            filled = non_empty_tables()
            if filled:
                raise click.ClickException(
                    f"The database is not empty ({', '.join(filled[:5])}{' …' if len(filled) > 5 else ''} "
                    "hold rows). Run with --reset to delete everything and load the demo data."
                )
        sizes = DemoSizes(delegates=delegates, sessions=sessions, side_events=side_events, partners=partners)
        try:
            summary = build_demo_data(seed=seed, sizes=sizes, password=password, now=utcnow(), historic=historic)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        seconds = time.perf_counter() - started
        for name, number in summary.counts.items():
            click.echo(f"{number:>7,}  {name}")
        if summary.published_version is not None:
            click.echo(f"Published schedule versions 1 to {summary.published_version} (before the conflicts below).")
        if summary.publish_note:
            click.echo(summary.publish_note)
        for line in summary.conflicts:
            click.echo(f"Deliberate conflict in the draft: {line}")
        click.echo("Demo accounts (password: the --password given):")
        for line in demo_accounts(sizes, newcomers=len(summary.newcomers), reviewers=summary.reviewers,
                                  speakers=summary.speaker_accounts):
            click.echo(f"  {line}")
        if historic:
            click.echo("Registration windows and the call for sessions: as in 2022 (closed).")
        else:
            click.echo("Registration windows: open until 60 days from today, early-bird fees for 30 days; "
                       "the call for sessions open until 60 days from today (--historic keeps the 2022 dates).")
        click.echo(f"Demo data loaded with seed {seed} in {seconds:.1f} s.")
