"""``kaarigar payments reconcile``, ``kaarigar jail payments`` and ``kaarigar orders export``."""

from __future__ import annotations

import asyncio
import csv
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.cli.common import Env, pass_env
from bot.core.rasa_client import http_client
from bot.payments import jobs
from catalog import payment_methods, payments, products
from catalog.csvio import neutralise
from catalog.db import transaction
from catalog.errors import CatalogError
from catalog.models import Jail, Order, OrderStatus, Payment
from catalog.money import major

EXPORT_COLUMNS = ("order", "jail", "status", "payment", "method", "total", "currency",
                  "channel", "placed_at", "paid_at")  # fmt: skip
ADDRESS_COLUMNS = ("name", "phone", "address", "postal_code", "country")
STATUSES = tuple(str(s) for s in OrderStatus)


# ------------------------------------------------------------------ payments reconcile
@click.group("payments")
def payments_cmd() -> None:
    """The payment gateway's links."""


@payments_cmd.command("reconcile")
@pass_env
def reconcile_cmd(env: Env) -> None:
    """Fetch every open payment link's status and apply what the webhooks missed."""
    settings = env.settings
    from bot.web import gateway_client

    async def run() -> dict[str, str]:
        async with http_client() as http:
            client = gateway_client(settings, http)
            if client is None:
                raise click.ClickException(
                    "RAZORPAY_KEY_ID and RAZORPAY_KEY_SECRET: required to reconcile payment links"
                )
            return await jobs.reconcile(env.sessions, client)

    results = asyncio.run(run())
    changed = {link: r for link, r in results.items() if r != "open"}
    with env.sessions() as session:
        for link_id, result in changed.items():
            payment = payments.by_external_id(session, "razorpay", link_id)
            order = f" (order {payment.order_id})" if payment is not None else ""
            click.echo(f"{link_id}{order}: {result}")
    n = len(results)
    click.echo(f"{n} open link{'' if n == 1 else 's'} checked, {len(changed)} changed")


# ------------------------------------------------------------------ jail payments
@click.group("jail")
def jail_cmd() -> None:
    """A jail's settings."""


def _describe(jail: Jail) -> str:
    lines = [f"{jail.code} {jail.name}: {','.join(payment_methods.get_methods(jail))}"]
    if jail.upi_vpa:
        payee = f" ({jail.upi_payee})" if jail.upi_payee else ""
        lines.append(f"  UPI ID: {jail.upi_vpa}{payee}")
    if jail.manual_details:
        lines.append(f"  transfer to: {jail.manual_details}")
    return "\n".join(lines)


@jail_cmd.command("payments")
@click.argument("code")
@click.option("--methods", help=f"Comma-separated, in the order buyers see them: "
              f"{','.join(payment_methods.METHODS)}.")  # fmt: skip
@click.option("--upi-id", help="The jail's merchant UPI ID (VPA), e.g. himkara.kanda@sbi.")
@click.option("--payee", help="The payee name UPI apps show.")
@click.option("--manual", "manual", help="Account details buyers transfer to (manual).")
@pass_env
def jail_payments(
    env: Env,
    code: str,
    methods: str | None,
    upi_id: str | None,
    payee: str | None,
    manual: str | None,
) -> None:
    """Show a jail's payment methods, or set them with --methods (admins' CLI)."""
    if methods is None and any(v is not None for v in (upi_id, payee, manual)):
        raise click.UsageError("give --methods too: the methods are set together with details")
    try:
        with transaction(env.sessions) as session:
            jail = products.jail_by_code(session, code)
            if methods is not None:
                payment_methods.set_methods(
                    session, jail, methods.split(","), actor="cli", upi_vpa=upi_id,
                    upi_payee=payee, manual_details=manual,
                )  # fmt: skip
            click.echo(_describe(jail))
    except CatalogError as exc:
        raise click.ClickException(str(exc)) from None


# ------------------------------------------------------------------ orders export
@click.group("orders")
def orders_cmd() -> None:
    """Orders, for the office and the packing table."""


def export_rows(session: Session, status: str | None, with_address: bool) -> Iterator[dict[str, str]]:
    """One row per order, oldest first; text cells neutralised against spreadsheet formulas."""
    stmt = select(Order).order_by(Order.id)
    if status is not None:
        stmt = stmt.where(Order.status == status)
    for order in session.scalars(stmt):
        row = {
            "order": payments.reference(order),
            "jail": order.jail.code,
            "status": order.status,
            "payment": payments.payment_state(session, order),
            "method": order.payment_method,
            "total": major(payments.amount_due(order)),
            "currency": order.currency,
            "channel": order.customer.channel,
            "placed_at": _time(order.created_at),
            "paid_at": _time(_paid_at(session, order)),
        }
        if with_address:
            row |= {
                "name": order.ship_name or "",
                "phone": order.ship_phone or "",
                "address": order.ship_address or "",
                "postal_code": order.ship_postal_code or "",
                "country": order.ship_country or "",
            }
        yield {k: v if k in ("order", "total") else neutralise(str(v)) for k, v in row.items()}


def _paid_at(session: Session, order: Order) -> datetime | None:
    if order.paid_at is not None:
        return order.paid_at
    return session.scalar(
        select(Payment.paid_at).where(Payment.order_id == order.id, Payment.paid_at.is_not(None))
    )


def _time(moment: datetime | None) -> str:
    """UTC, to the second (ISO 8601); empty when there is none."""
    return payments.aware(moment).isoformat(timespec="seconds") if moment else ""


def write_csv(session: Session, out: IO[str], status: str | None, with_address: bool) -> int:
    columns = EXPORT_COLUMNS + (ADDRESS_COLUMNS if with_address else ())
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    n = 0
    for row in export_rows(session, status, with_address):
        writer.writerow(row)
        n += 1
    return n


@orders_cmd.command("export")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of standard output.")  # fmt: skip
@click.option("--status", type=click.Choice(STATUSES), help="Only orders in this status.")
@click.option("--with-address", is_flag=True,
              help="Add the buyer's name, phone and address (a packing list).")  # fmt: skip
@pass_env
def orders_export(env: Env, output: Path | None, status: str | None, with_address: bool) -> None:
    """Write orders as CSV: reference, jail, status, payment, method, total with shipping..."""
    with env.sessions() as session:
        if output is None:
            write_csv(session, sys.stdout, status, with_address)
        else:
            with output.open("w", encoding="utf-8", newline="") as fh:
                n = write_csv(session, fh, status, with_address)
            click.echo(f"{n} order{'' if n == 1 else 's'} written to {output}")
