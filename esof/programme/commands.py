"""`flask --app esof schedule propose`: the schedule solver from the command line.

Without --apply nothing in the database changes (the proposal is printed); with --apply the
proposal is written to the draft's slots only. Publishing stays a separate human step.
With --json the last line of the output is one JSON object (placed, unplaced, hard_conflicts,
moved, added, objective, seconds, status, soft, ...).
"""
from __future__ import annotations

import json

import click
from flask import Flask
from flask.cli import AppGroup

from esof.errors import DomainError
from esof.extensions import db
from esof.programme.solver import apply_proposal, propose_schedule
from esof.programme.solver_reasons import describe_reason


def register_schedule_commands(app: Flask) -> None:
    group = AppGroup("schedule", help="The automatic schedule (solver).")

    @group.command("propose")
    @click.option("--from-scratch", "mode", flag_value="from-scratch", help="Place every session anew.")
    @click.option("--minimal-change", "mode", flag_value="minimal-change", default=True,
                  help="Repair the draft, moving as few sessions as possible (the default).")
    @click.option("--baseline", type=click.Choice(["draft", "published"]), default="draft", show_default=True,
                  help="What a minimal change keeps: the draft or the latest published version.")
    @click.option("--time-limit", type=click.FloatRange(0.5, 3600), default=None,
                  help="Seconds for the solver (default: SCHEDULE_SOLVER_TIME_LIMIT).")
    @click.option("--apply", "apply_it", is_flag=True, help="Write the proposal into the draft (never publishes).")
    @click.option("--json", "as_json", is_flag=True, help="End with the proposal as one JSON line.")
    def propose_command(mode: str, baseline: str, time_limit: float | None, apply_it: bool, as_json: bool) -> None:
        """Propose a schedule; print what moves and why."""
        try:
            result = propose_schedule(mode=mode, baseline=baseline, time_limit=time_limit)
        except DomainError as exc:
            raise click.ClickException(exc.message) from exc
        titles = {entry["session_id"]: entry["title"]
                  for key in ("moved", "added", "unplaced") for entry in result[key]}
        click.echo(f"{result['status']}: {result['placed']} placed, {len(result['unplaced'])} unplaced, "
                   f"{len(result['moved'])} moved, {len(result['added'])} added, "
                   f"{result['hard_conflicts']} hard conflicts, objective {result['objective']}, "
                   f"{result['seconds']:.1f} s")
        for entry in result["moved"]:
            click.echo(f"moved  {entry['session_id']:>5} {entry['title']}: {_where(entry['from'])} -> "
                       f"{_where(entry['to'])} ({describe_reason(entry['reason'], titles)})")
        for entry in result["added"]:
            click.echo(f"added  {entry['session_id']:>5} {entry['title']}: {_where(entry['to'])}")
        for entry in result["unplaced"]:
            reason = describe_reason(entry["reason"], titles)
            click.echo(f"unplaced {entry['session_id']:>3} {entry['title']}: {reason}")
        if apply_it:
            try:
                applied = apply_proposal(result)
            except DomainError as exc:
                db.session.rollback()
                raise click.ClickException(exc.message) from exc
            db.session.commit()
            click.echo(f"Applied to the draft: {applied.moved} moved, {applied.added} added, "
                       f"{applied.removed} taken out. Publish it from the organisers' pages.")
        else:
            db.session.rollback()
            click.echo("Nothing changed (use --apply to write it into the draft).")
        if as_json:
            click.echo(json.dumps({key: value for key, value in result.items() if key != "placements"}
                                  | {"applied": apply_it}, sort_keys=True))

    app.cli.add_command(group)


def _where(place: dict | None) -> str:
    if place is None:
        return "-"
    return f"{place['day']} {place['starts_at'][11:16]} {place['room']} ({place['venue']})"
