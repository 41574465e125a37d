"""`flask registration issue-invoices`: the invoices of registrations that are due one and have
none (written before invoices were issued when a registration becomes due, or loaded in bulk)."""
from __future__ import annotations

import click
from flask import Blueprint

from esof.extensions import db
from esof.registration.invoice_bulk import issue_due_invoices


def register_commands(bp: Blueprint) -> None:
    @bp.cli.command("issue-invoices")
    def issue_invoices_command() -> None:
        """Issue the invoice of every confirmed registration with something to pay that has none."""
        issued = issue_due_invoices()
        db.session.commit()
        click.echo(f"issued {issued} invoices")
