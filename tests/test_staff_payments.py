"""Staff and payments: /orders unpaid, /order's payment lines, /paid [UTR], /refund, a paid order
cancelled, and /report's paid and unpaid turnover; on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from bot.core.messages import Inbound
from bot.payments import jobs, webhooks
from bot.payments.razorpay import RazorpayClient
from bot.staff.route import bind, handle
from catalog import payments
from catalog.db import transaction
from catalog.models import AuditEntry, Notification, Order, OrderStatus, Payment, utcnow
from catalog.refs import ref
from tests.fake_gateway import KEY_ID, KEY_SECRET, WEBHOOK_SECRET, FakeGateway
from tests.staff_support import ADMIN_TG, KND_WA, NHN_TG, StaffEnv, buyer_order

UTR = "412345678901"


def payment_rows(env: StaffEnv, oid: int) -> list[Payment]:
    with env.sessions() as s:
        return list(s.scalars(select(Payment).where(Payment.order_id == oid).order_by(Payment.id)))


def notes(env: StaffEnv, kind: str) -> list[Notification]:
    with env.sessions() as s:
        return list(s.scalars(select(Notification).where(Notification.kind == kind)))


def last_audit(env: StaffEnv) -> AuditEntry:
    with env.sessions() as s:
        entry = s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert entry is not None
        return entry


def upi_order(env: StaffEnv, sku: str = "KS-101") -> int:
    """A placed order the buyer chose to pay by UPI QR."""
    oid = buyer_order(env.sessions, sku)
    with transaction(env.sessions) as s:
        order = s.get(Order, oid)
        assert order is not None
        payments.start(s, order, "upi_qr")
    return oid


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5) as client:
        yield client


@pytest.fixture
def gateway(http: httpx.AsyncClient, fake_gateway: FakeGateway) -> RazorpayClient:
    return RazorpayClient(http, KEY_ID, KEY_SECRET, base_url=fake_gateway.url)


async def link_paid_order(
    env: StaffEnv, client: RazorpayClient, fake: FakeGateway
) -> tuple[int, str, str]:
    """An order paid through a gateway link (signed webhook); (order id, link id, charge id)."""
    oid = buyer_order(env.sessions, "KS-101")
    with transaction(env.sessions) as s:
        order = s.get(Order, oid)
        assert order is not None
        payment_id = payments.start(s, order, "payment_link", shipping_minor=8_000).id
    link = await jobs.send_link(env.sessions, client, payment_id, utcnow() + timedelta(hours=24))
    assert link is not None
    charge = fake.pay(link.id)
    raw, headers = fake.webhook(link.id)
    result = webhooks.process(
        env.sessions, raw, headers["X-Razorpay-Signature"], headers["X-Razorpay-Event-Id"],
        WEBHOOK_SECRET,
    )  # fmt: skip
    assert result.outcome == "paid"
    return oid, link.id, charge


# --- /orders unpaid and /order --------------------------------------------------------------


async def test_orders_unpaid_lists_the_jails_orders_waiting_for_payment(staff_env: StaffEnv):
    a = buyer_order(staff_env.sessions, "KS-101", 2)
    b = buyer_order(staff_env.sessions, "KS-101")
    c = buyer_order(staff_env.sessions, "KS-103")  # Nahan's
    assert await staff_env.say(f"/paid {b}") == f"Order {ref(b)} marked paid."
    assert await staff_env.say("/orders unpaid") == f"{ref(a)} placed ₹4,800 2xKS-101"
    assert await staff_env.say("orders unpaid", KND_WA) == f"{ref(a)} placed ₹4,800 2xKS-101"
    assert await staff_env.say("/orders unpaid", NHN_TG) == f"{ref(c)} placed ₹2,200 1xKS-103"
    everything = await staff_env.say("/orders unpaid", ADMIN_TG) or ""
    assert f"{a} KND placed" in everything and f"{c} NHN placed" in everything
    assert str(b) not in everything.split()
    await staff_env.say(f"/paid {a}")
    assert await staff_env.say("/orders unpaid") == "No unpaid orders."


async def test_orders_with_an_unknown_status_names_unpaid_too(staff_env: StaffEnv):
    reply = await staff_env.say("/orders waiting")
    assert reply is not None and "unpaid" in reply and "Usage: /orders [" in reply


async def test_order_shows_method_payment_state_and_the_utr(staff_env: StaffEnv):
    oid = upi_order(staff_env)
    reply = await staff_env.say(f"/order {oid}")
    assert reply is not None
    assert reply.splitlines()[0].endswith("(upi_qr), " + f"{utcnow():%Y-%m-%d}, payment unpaid")
    with transaction(staff_env.sessions) as s:
        order = s.get(Order, oid)
        assert order is not None
        payments.record_utr(s, order, UTR)
    reply = await staff_env.say(f"/order {oid}")
    assert reply is not None and reply.splitlines()[0].endswith(
        f"(upi_qr), {utcnow():%Y-%m-%d}, payment unpaid: UTR {UTR} (claimed)"
    )
    assert await staff_env.say(f"/paid {oid} {UTR}") == f"Order {ref(oid)} marked paid (UTR {UTR})."
    reply = await staff_env.say(f"/order {oid}")
    assert reply is not None and f"payment paid: UTR {UTR} (paid)" in reply.splitlines()[0]
    assert "Deliver to: A Buyer" in reply  # the private-chat rule is unchanged


async def test_order_shows_the_gateway_link_and_charge(
    staff_env: StaffEnv, gateway: RazorpayClient, fake_gateway: FakeGateway
):
    oid, link_id, charge = await link_paid_order(staff_env, gateway, fake_gateway)
    reply = await staff_env.say(f"/order {oid}")
    assert reply is not None
    assert reply.splitlines()[0].endswith(
        f"(payment_link), {utcnow():%Y-%m-%d}, payment paid: link {link_id}, charge {charge} (paid)"
    )


async def test_order_shows_a_telegram_charge_but_not_the_invoice_payload(staff_env: StaffEnv):
    oid = buyer_order(staff_env.sessions, "KS-101")
    with transaction(staff_env.sessions) as s:
        order = s.get(Order, oid)
        assert order is not None
        payload = payments.start(s, order, "telegram_invoice").external_id
        assert payload is not None
        outcome = payments.confirm_paid(
            s, "telegram", payload, 240_000, "INR", event_id="tg-1",
            charge_id="tgcharge_1", provider_charge_id="provcharge_1",
        )  # fmt: skip
        assert outcome.result == "paid"
    reply = await staff_env.say(f"/order {oid}")
    assert reply is not None and "charge tgcharge_1" in reply and payload not in reply


async def test_order_in_a_group_shows_the_payment_but_not_the_buyer(staff_env: StaffEnv):
    oid = buyer_order(staff_env.sessions, "KS-101")
    await staff_env.say(f"/paid {oid} {UTR}")
    group = Inbound(
        channel="telegram", user_id="1001", message_id="g1", text=f"/order {oid}", private=False
    )
    [reply] = await handle(group, staff_env.deps) or []
    assert f"payment paid: UTR {UTR} (paid)" in reply.text.splitlines()[0]
    assert "A Buyer" not in reply.text and "+919811111111" not in reply.text


# --- /paid ------------------------------------------------------------------------------------


async def test_paid_with_a_utr_records_it_and_sends_a_receipt(staff_env: StaffEnv):
    oid = buyer_order(staff_env.sessions, "KS-101")  # cash on delivery
    reply = await staff_env.say(f"/paid {oid} 4123-4567-8901")
    assert reply == f"Order {ref(oid)} marked paid (UTR {UTR})."
    [payment] = payment_rows(staff_env, oid)
    assert (payment.status, payment.external_id, payment.method) == ("paid", UTR, "cod")
    [receipt] = notes(staff_env, "payment_receipt")
    assert UTR in receipt.text
    entry = last_audit(staff_env)
    assert (entry.action, entry.entity_id, entry.channel) == ("paid", str(oid), "telegram")


async def test_paid_with_a_bad_utr_gives_the_usage_and_changes_nothing(staff_env: StaffEnv):
    oid = buyer_order(staff_env.sessions, "KS-101")
    before = staff_env.snapshot()
    reply = await staff_env.say(f"/paid {oid} 12345")
    assert reply == (
        "A reference is a UPI UTR (12 digits) or a JazzCash/Easypaisa transaction ID (TID: 8 to "
        f"24 letters and digits), e.g. /paid {ref(oid)} TID 31245678901; nothing recorded."
    )
    assert staff_env.snapshot() == before and payment_rows(staff_env, oid) == []


async def test_paid_of_a_shipped_cod_order_is_recorded_and_audited(staff_env: StaffEnv):
    oid = buyer_order(staff_env.sessions, "KS-101")
    await staff_env.say(f"/ship {oid}")
    assert await staff_env.say(f"/paid {oid}") == f"Order {ref(oid)} marked paid."
    entry = last_audit(staff_env)  # not the move to paid: the order stays shipped
    assert (entry.action, entry.entity_id, (entry.after or {})["payment"]) == (
        "payment",
        str(oid),
        "paid",
    )
    with staff_env.sessions() as s:
        order = s.get(Order, oid)
        assert order is not None and order.status == OrderStatus.SHIPPED
        assert payments.payment_state(s, order) == "paid"


async def test_paid_refuses_an_order_paid_online_or_cancelled(
    staff_env: StaffEnv, gateway: RazorpayClient, fake_gateway: FakeGateway
):
    oid, link_id, charge = await link_paid_order(staff_env, gateway, fake_gateway)
    before = staff_env.snapshot()
    assert await staff_env.say(f"/paid {oid}") == (
        f"Order {ref(oid)} is already paid by payment_link (link {link_id}, charge {charge}); "
        "nothing changed."
    )
    assert staff_env.snapshot() == before
    other = buyer_order(staff_env.sessions, "KS-101")
    await staff_env.say(f"/cancel {other} buyer asked")
    before = staff_env.snapshot()
    assert (
        await staff_env.say(f"/paid {other}")
        == f"Order {ref(other)} is cancelled; nothing changed."
    )
    assert staff_env.snapshot() == before and payment_rows(staff_env, other) == []


async def test_paid_twice_is_refused_the_second_time(staff_env: StaffEnv):
    oid = upi_order(staff_env)
    await staff_env.say(f"/paid {oid} {UTR}")
    assert await staff_env.say(f"/paid {oid}") == (
        f"Order {ref(oid)} is already paid by upi_qr (UTR {UTR}); nothing changed."
    )
    assert len(notes(staff_env, "payment_receipt")) == 1


# --- cancelling a paid order, /refund ---------------------------------------------------------


async def test_cancelling_a_paid_order_flags_its_refund_and_refund_records_it(staff_env: StaffEnv):
    oid = upi_order(staff_env)
    await staff_env.say(f"/paid {oid} {UTR}")
    reply = await staff_env.say(f"/cancel {oid} damaged in the loom")
    assert reply == (
        f"Order {ref(oid)} cancelled; 1 back in stock; the buyer will be told; refund due: /refund {ref(oid)}"
    )
    head = (await staff_env.say(f"/order {oid}") or "").splitlines()[0]
    assert head.endswith(f"payment paid: UTR {UTR} (paid); refund due: /refund {ref(oid)}")
    [pending, payment] = payment_rows(staff_env, oid)  # the QR's attempt, then the UTR's
    assert (pending.status, payment.status, payment.refund_due) == ("cancelled", "paid", True)
    assert await staff_env.say(f"/refund {oid}", NHN_TG) == (
        f"Order {ref(oid)} belongs to another jail; nothing changed."
    )
    assert await staff_env.say(f"/refund {oid}") == (
        f"Order {ref(oid)}: refund of ₹2,400 recorded; the buyer will be told."
    )
    payment = payment_rows(staff_env, oid)[1]
    assert (payment.status, payment.refund_due) == ("refunded", False)
    entry = last_audit(staff_env)
    assert (entry.action, entry.entity_id, (entry.after or {})["payment"]) == (
        "refunded",
        str(oid),
        "refunded",
    )
    assert len(notes(staff_env, "refunded")) == 1
    reply = await staff_env.say(f"/order {oid}")
    assert reply is not None and reply.splitlines()[0].endswith(
        f"payment refunded: UTR {UTR} (refunded)"
    )
    assert await staff_env.say(f"/refund {oid}") == (
        f"Order {ref(oid)} has no payment to refund; nothing changed."
    )


async def test_refund_is_refused_for_an_unpaid_or_uncancelled_order(staff_env: StaffEnv):
    oid = buyer_order(staff_env.sessions, "KS-101")
    before = staff_env.snapshot()
    assert await staff_env.say(f"/refund {oid}") == (
        f"Order {ref(oid)} has no payment to refund; nothing changed."
    )
    await staff_env.say(f"/paid {oid}")
    assert await staff_env.say(f"/refund {oid}") == (
        f"Order {ref(oid)} is paid: cancel it before a refund; nothing changed."
    )
    assert (
        await staff_env.say("/refund")
        == "Give the order number. Usage: /refund ORDER (after /cancel; e.g. /refund KG-1042)"
    )
    assert await staff_env.say("/refund 99999") == "No order 99999."
    with staff_env.sessions() as s:
        assert s.scalars(select(Payment).where(Payment.status == "refunded")).all() == []
    assert staff_env.snapshot()[2] == before[2]


async def test_refund_through_the_gateway_then_recorded(
    staff_env: StaffEnv, gateway: RazorpayClient, fake_gateway: FakeGateway
):
    staff_env.deps.gateway = gateway
    oid, _, charge = await link_paid_order(staff_env, gateway, fake_gateway)
    assert (await staff_env.say(f"/cancel {oid} out of wool") or "").endswith(
        f"refund due: /refund {ref(oid)}"
    )
    reply = await staff_env.say(f"/refund {oid}")
    [refund] = fake_gateway.refunds
    assert refund["payment_id"] == charge
    assert reply == (
        f"Order {ref(oid)}: ₹2,480 refunded through the gateway ({refund['id']}); the buyer will be told."
    )
    [payment] = payment_rows(staff_env, oid)
    assert (payment.status, payment.refund_due) == ("refunded", False)
    assert last_audit(staff_env).action == "refunded"
    assert await staff_env.say(f"/refund {oid}") == (
        f"Order {ref(oid)} has no payment to refund; nothing changed."
    )
    assert len(fake_gateway.refunds) == 1


async def test_two_refunds_at_once_refund_at_the_gateway_once(
    staff_env: StaffEnv, gateway: RazorpayClient, fake_gateway: FakeGateway
):
    staff_env.deps.gateway = gateway
    oid, _, charge = await link_paid_order(staff_env, gateway, fake_gateway)
    await staff_env.say(f"/cancel {oid} out of wool")
    replies = await asyncio.gather(
        staff_env.say(f"/refund {oid}"), staff_env.say(f"/refund {oid}", KND_WA)
    )
    assert [r["payment_id"] for r in fake_gateway.refunds] == [charge]
    done = [r for r in replies if r and "refunded through the gateway" in r]
    refused = {
        f"A refund of order {ref(oid)} is already under way; nothing changed.",
        f"Order {ref(oid)} has no payment to refund; nothing changed.",
    }
    assert len(done) == 1 and [r for r in replies if r not in done][0] in refused
    assert [p.status for p in payment_rows(staff_env, oid)] == ["refunded"]


async def test_a_gateway_failure_records_nothing(
    staff_env: StaffEnv, gateway: RazorpayClient, fake_gateway: FakeGateway
):
    staff_env.deps.gateway = gateway
    oid, _, charge = await link_paid_order(staff_env, gateway, fake_gateway)
    await staff_env.say(f"/cancel {oid} out of wool")
    fake_gateway.down = True
    before = staff_env.snapshot()
    assert await staff_env.say(f"/refund {oid}") == (
        f"The gateway did not refund order {ref(oid)} (it is unavailable); nothing recorded: "
        "try /refund again later."
    )
    assert staff_env.snapshot() == before
    [payment] = payment_rows(staff_env, oid)
    assert (payment.status, payment.refund_due) == ("paid", True)
    fake_gateway.down = False
    reply = await staff_env.say(f"/refund {oid}")
    assert reply is not None and "refunded through the gateway" in reply
    assert [r["payment_id"] for r in fake_gateway.refunds] == [charge]


async def test_a_gateway_payment_without_a_configured_gateway_is_not_recorded(
    staff_env: StaffEnv, gateway: RazorpayClient, fake_gateway: FakeGateway
):
    oid, _, _ = await link_paid_order(staff_env, gateway, fake_gateway)
    await staff_env.say(f"/cancel {oid} out of wool")
    assert staff_env.deps.gateway is None
    assert await staff_env.say(f"/refund {oid}") == (
        f"Order {ref(oid)} was paid through the gateway, which is not set up here; nothing recorded."
    )
    assert payment_rows(staff_env, oid)[0].status == "paid" and fake_gateway.refunds == []


async def test_the_bound_handler_refunds_through_its_gateway(
    staff_env: StaffEnv, gateway: RazorpayClient, fake_gateway: FakeGateway
):
    staff = bind(replace(staff_env.deps, gateway=gateway))
    oid, _, charge = await link_paid_order(staff_env, gateway, fake_gateway)
    await staff_env.say(f"/cancel {oid} out of wool")
    replies = await staff(
        Inbound(channel="telegram", user_id="1001", message_id="r1", text=f"/refund {oid}")
    )
    assert replies is not None and "refunded through the gateway" in replies[0].text
    assert [r["payment_id"] for r in fake_gateway.refunds] == [charge]


# --- /report and /help ------------------------------------------------------------------------


async def test_report_separates_paid_and_unpaid_turnover(staff_env: StaffEnv):
    paid = buyer_order(staff_env.sessions, "KS-101", 2)
    buyer_order(staff_env.sessions, "KS-101")
    buyer_order(staff_env.sessions, "KS-103")  # Nahan's, in another jail
    await staff_env.say(f"/paid {paid}")
    reply = await staff_env.say("/report")
    assert reply is not None
    assert "INR paid ₹4,800, unpaid ₹2,400" in reply.splitlines()
    everything = await staff_env.say("/report", ADMIN_TG)
    assert everything is not None and "INR paid ₹4,800, unpaid ₹4,600" in everything.splitlines()


async def test_report_shows_refunds_due(staff_env: StaffEnv):
    oid = buyer_order(staff_env.sessions, "KS-101")
    await staff_env.say(f"/paid {oid}")
    await staff_env.say(f"/cancel {oid} damaged")
    reply = await staff_env.say("/report")
    assert reply is not None and "INR paid ₹0, unpaid ₹0, refund due ₹2,400" in reply.splitlines()


async def test_help_lists_refund(staff_env: StaffEnv):
    reply = await staff_env.say("/help")
    assert reply is not None and "/refund" in reply and "/paid" in reply
