"""Site-wide flask commands: create-user, send-mail, demo-data."""
from __future__ import annotations

import signal
import time

import click
from flask import Flask

from esof.accounts import services
from esof.accounts.models import Role
from esof.demo import register_demo_command
from esof.errors import DomainError
from esof.extensions import db
from esof.mail.services import deliver_due_mail
from esof.programme.commands import register_schedule_commands


def register_cli(app: Flask) -> None:
    @app.cli.command("create-user")
    @click.argument("email")
    @click.option(
        "--role", "roles", multiple=True, type=click.Choice([r.value for r in Role]),
        help="Role to grant (repeatable). Default: delegate.",
    )
    @click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
    @click.option("--name", default="", help="Display name.")
    def create_user_command(email: str, roles: tuple[str, ...], password: str, name: str) -> None:
        """Create a verified account with the given roles, or add roles to an existing one."""
        wanted = tuple(Role(r) for r in roles) or (Role.DELEGATE,)
        user = services.find_user_by_email(email)
        if user is None:
            try:
                user = services.create_user(
                    email=email, password=password, display_name=name, roles=wanted, verified=True
                )
            except DomainError as exc:
                raise click.ClickException(exc.message) from exc
            click.echo(f"Created {user.email} with roles {', '.join(sorted(r.value for r in user.roles))}")
        else:
            for role in wanted:
                services.grant_role(user=user, role=role, actor=None)
            click.echo(f"{user.email} now has roles {', '.join(sorted(r.value for r in user.roles))}")
        db.session.commit()

    @app.cli.command("send-mail")
    @click.option("--forever", is_flag=True, help="Keep running as a mail worker.")
    @click.option("--interval", default=5.0, show_default=True, help="Seconds between polls.")
    def send_mail_command(forever: bool, interval: float) -> None:
        """Deliver every mail that is due, then exit (or keep going with --forever).

        SIGTERM or SIGINT (a deploy, systemd stopping the unit, Ctrl-C): the message in hand is
        handed over and recorded, then the worker exits, so no message is left leased."""
        # A plain flag: a handler must not take a lock the interrupted code may hold.
        stop = {"asked": False}

        def ask_to_stop(*_: object) -> None:
            stop["asked"] = True

        def stopping() -> bool:
            return stop["asked"]

        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, ask_to_stop)
        pause = interval
        while not stopping():
            report = deliver_due_mail(stopping=stopping)
            if report.sent or report.failed or report.gave_up or not forever:
                click.echo(f"sent {report.sent}, to retry {report.failed}, gave up {report.gave_up}")
            if report.server_down:
                click.echo("mail server unavailable; the rest waits for the next run", err=True)
            if not forever:
                return
            # A server that is down is asked again less and less often (up to 5 minutes).
            pause = min(pause * 2, 300.0) if report.server_down else interval
            waited = 0.0
            while waited < pause and not stopping():  # steps, so a stop is seen within 0.2 s
                time.sleep(min(0.2, pause - waited))
                waited += 0.2
        click.echo("stopped: the message in hand was finished")

    register_demo_command(app)
    register_schedule_commands(app)
