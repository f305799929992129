"""The payment commands as an operator uses them, on SQLite and PostgreSQL: reconcile finds a
paid link whose webhook was lost, a jail's methods are shown and set, orders are exported
without buyers' details unless asked, and the seed gives jails their demo methods."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from bot.cli import main
from bot.payments import jobs
from bot.payments.razorpay import RazorpayClient
from catalog import customers, payments
from catalog.db import transaction
from catalog.models import Jail, Order, OrderStatus, utcnow
from catalog.orders import CartLine, Delivery, place_once
from tests.fake_gateway import KEY_ID, KEY_SECRET, FakeGateway
from tests.payments_support import SHIPPING, add_staff, notes, place, start

Cli = Callable[..., Result]
COLUMNS = ["order", "jail", "status", "payment", "method", "total", "currency", "channel",
           "placed_at", "paid_at"]  # fmt: skip


def database_url(engine: Engine) -> str:
    """The engine's database as DATABASE_URL; on PostgreSQL with the test run's schema."""
    url = engine.url.render_as_string(hide_password=False)
    if engine.dialect.name != "postgresql":
        return url
    with engine.connect() as conn:
        schema = conn.scalar(text("select current_schema()"))
    return f"{url}?options=-csearch_path%3D{schema}"


@pytest.fixture
def cli(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """``kaarigar ARGS`` against the test database; (no gateway unless set in the env)."""
    monkeypatch.setenv("DATABASE_URL", database_url(engine))
    for name in ("RAZORPAY_KEY_ID", "RAZORPAY_KEY_SECRET", "RAZORPAY_API_BASE_URL"):
        monkeypatch.delenv(name, raising=False)

    def run(*args: str) -> Result:
        return CliRunner().invoke(main, list(args))

    return run


def gateway_env(monkeypatch: pytest.MonkeyPatch, fake: FakeGateway) -> None:
    monkeypatch.setenv("RAZORPAY_KEY_ID", KEY_ID)
    monkeypatch.setenv("RAZORPAY_KEY_SECRET", KEY_SECRET)
    monkeypatch.setenv("RAZORPAY_API_BASE_URL", fake.url)


async def test_reconcile_finds_a_paid_link_whose_webhook_was_lost(
    seeded: sessionmaker[Session], cli: Cli, fake_gateway: FakeGateway,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    add_staff(seeded)
    order_id = place(seeded)
    payment = start(seeded, order_id)
    async with httpx.AsyncClient() as http:
        client = RazorpayClient(http, KEY_ID, KEY_SECRET, base_url=fake_gateway.url)
        link = await jobs.send_link(seeded, client, payment.id, utcnow() + timedelta(hours=24))
    assert link is not None
    pay_id = fake_gateway.pay(link.id)  # paid at the gateway; its webhook never arrives
    gateway_env(monkeypatch, fake_gateway)
    # The fake gateway serves on this event loop: the command runs in a thread meanwhile.
    first = await asyncio.to_thread(cli, "payments", "reconcile")
    assert first.exit_code == 0, first.output
    assert first.output == f"{link.id} (order {order_id}): paid\n1 open link checked, 1 changed\n"
    with seeded() as s:
        order = s.get(Order, order_id)
        assert order is not None and order.status == OrderStatus.PAID
    [receipt] = notes(seeded, "payment_receipt")
    assert pay_id in receipt.text
    again = await asyncio.to_thread(cli, "payments", "reconcile")
    assert again.output == "0 open links checked, 0 changed\n"


def test_reconcile_without_a_gateway_names_the_settings(seeded: sessionmaker[Session], cli: Cli) -> None:
    result = cli("payments", "reconcile")
    assert result.exit_code == 1
    assert "RAZORPAY_KEY_ID and RAZORPAY_KEY_SECRET" in result.output


def test_jail_payments_shows_and_sets_methods(seeded: sessionmaker[Session], cli: Cli) -> None:
    assert cli("jail", "payments", "KND").output == "KND Model Central Jail Kanda: cod\n"
    result = cli("jail", "payments", "knd", "--methods", "cod,upi_qr", "--upi-id",
                 "himkara.kanda@sbi", "--payee", "Himkara Kanda")  # fmt: skip
    assert result.exit_code == 0, result.output
    shown = cli("jail", "payments", "KND").output
    assert shown == (
        "KND Model Central Jail Kanda: cod,upi_qr\n"
        "  UPI ID: himkara.kanda@sbi (Himkara Kanda)\n"
    )
    assert result.output == shown
    manual = cli("jail", "payments", "PSW", "--methods", "cod,manual", "--manual",
                 "Easypaisa 0300-0000000, Central Jail Peshawar")  # fmt: skip
    assert manual.output.endswith("  transfer to: Easypaisa 0300-0000000, Central Jail Peshawar\n")
    with seeded() as s:
        jail = s.query(Jail).filter_by(code="KND").one()
        assert (jail.payment_methods, jail.upi_vpa) == ("cod,upi_qr", "himkara.kanda@sbi")


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["XYZ"], "no jail with code 'XYZ'"),
        (["KND", "--methods", "cod,bitcoin"], "unknown payment method 'bitcoin'"),
        (["KND", "--methods", "upi_qr"], "upi_qr needs the jail's merchant UPI ID"),
        (["KND", "--methods", "upi_qr", "--upi-id", "not a vpa", "--payee", "X"],
         "a UPI ID looks like name@bank"),
        (["PSW", "--methods", "payment_link"], "not for a jail outside India"),
        (["KND", "--upi-id", "a@sbi"], "--methods"),
    ],
)  # fmt: skip
def test_jail_payments_errors_name_what_is_wrong(
    seeded: sessionmaker[Session], cli: Cli, args: list[str], error: str
) -> None:
    result = cli("jail", "payments", *args)
    assert result.exit_code != 0
    assert error in result.output
    assert cli("jail", "payments", "KND").output == "KND Model Central Jail Kanda: cod\n"


def _orders(seeded: sessionmaker[Session]) -> tuple[int, int]:
    """Kanda's orders: a WhatsApp buyer's unpaid COD order and a Telegram buyer's order paid by
    link; (unpaid, paid)."""
    with transaction(seeded) as s:
        wa = customers.ensure(s, "whatsapp", "+447700900001", "k").sender_id
        tg = customers.ensure(s, "telegram", "777", "k").sender_id
    delivery = Delivery("=HYPERLINK(\"http://x\")", "+919811111111", "1 Mall Road, Shimla", "171001")
    unpaid = place_once(seeded, wa, [CartLine("KS-101", 1)], delivery,
                        idempotency_key="export-1")[0]  # fmt: skip
    paid = place_once(seeded, tg, [CartLine("KS-101", 2)], delivery, idempotency_key="export-2")[0]
    start(seeded, paid, external_id="plink_export")
    with transaction(seeded) as s:
        payments.confirm_paid(s, "razorpay", "plink_export", 2 * 240_000 + SHIPPING, "INR",
                              event_id="evt_export", charge_id="pay_export")  # fmt: skip
    return unpaid, paid


def test_orders_export_columns_without_buyers_details(seeded: sessionmaker[Session], cli: Cli) -> None:
    unpaid, paid = _orders(seeded)
    result = cli("orders", "export")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert list(rows[0]) == COLUMNS
    by_id = {r["order"]: r for r in rows}
    assert {k: by_id[str(paid)][k] for k in COLUMNS if not k.endswith("_at")} == {
        "order": str(paid), "jail": "KND", "status": "paid", "payment": "paid",
        "method": "payment_link", "total": "4880.00", "currency": "INR", "channel": "telegram",
    }  # fmt: skip
    assert by_id[str(paid)]["paid_at"] and by_id[str(paid)]["placed_at"]
    assert (by_id[str(unpaid)]["payment"], by_id[str(unpaid)]["paid_at"]) == ("unpaid", "")
    assert by_id[str(unpaid)]["channel"] == "whatsapp"
    assert "9811111111" not in result.output and "Mall Road" not in result.output
    only_paid = list(csv.DictReader(io.StringIO(cli("orders", "export", "--status", "paid").output)))
    assert [r["order"] for r in only_paid] == [str(paid)]
    assert "--status" in cli("orders", "export", "--status", "lost").output


def test_orders_export_with_address_to_a_file(
    seeded: sessionmaker[Session], cli: Cli, tmp_path: Path
) -> None:
    unpaid, _ = _orders(seeded)
    out = tmp_path / "orders.csv"
    result = cli("orders", "export", "--with-address", "-o", str(out))
    assert result.output == f"2 orders written to {out}\n"
    rows = {r["order"]: r for r in csv.DictReader(out.open(encoding="utf-8"))}
    row = rows[str(unpaid)]
    assert (row["phone"], row["address"], row["postal_code"]) == (
        "'+919811111111", "1 Mall Road, Shimla", "171001"
    )  # fmt: skip
    assert row["name"] == "'=HYPERLINK(\"http://x\")"  # a spreadsheet shows it, never runs it


def test_seed_gives_jails_their_demo_payment_methods(
    sessions: sessionmaker[Session], cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert "payment methods set for 17 jails" in cli("seed").output
    assert cli("jail", "payments", "KND").output == "KND Model Central Jail Kanda: cod\n"
    assert cli("jail", "payments", "PSW").output.startswith(
        "PSW Central Jail Peshawar: cod,manual\n  transfer to: Bank of Khyber"
    )  # the seed's demo details (jails.csv), never a placeholder
    assert "payment methods set for 0 jails" in cli("seed").output


def test_seed_with_a_gateway_gives_indian_jails_the_payment_link(
    sessions: sessionmaker[Session], cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAZORPAY_KEY_ID", KEY_ID)
    monkeypatch.setenv("RAZORPAY_KEY_SECRET", KEY_SECRET)
    assert "payment methods set for 17 jails" in cli("seed").output
    assert cli("jail", "payments", "KND").output == "KND Model Central Jail Kanda: payment_link\n"
    assert cli("jail", "payments", "PSW").output.startswith("PSW Central Jail Peshawar: cod,manual\n")
