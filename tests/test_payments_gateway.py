"""The gateway's payment links and webhooks against a loopback fake: links carry the order's
amount and reference, signed events take effect once, forged ones never, a lost webhook is
reconciled, and expiry cancels the link."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from bot.payments import jobs, webhooks
from bot.payments.razorpay import GatewayRefused, RazorpayClient
from catalog import payments
from catalog.db import transaction
from catalog.models import Order, Payment, utcnow
from tests.fake_gateway import KEY_ID, KEY_SECRET, WEBHOOK_SECRET, FakeGateway
from tests.payments_support import SHIPPING, add_staff, notes, place, start, stock_of

PRICE = 240_000
DAY = timedelta(hours=24)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5) as client:
        yield client


def _client(http: httpx.AsyncClient, fake: FakeGateway, secret: str = KEY_SECRET) -> RazorpayClient:
    return RazorpayClient(http, KEY_ID, secret, base_url=fake.url)


async def _linked_order(seeded, http, fake, quantity: int = 1) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    order_id = place(seeded, "KS-101", quantity)
    payment = start(seeded, order_id)
    link = await jobs.send_link(seeded, _client(http, fake), payment.id, utcnow() + DAY)
    assert link is not None
    return order_id, link.id


def _deliver(seeded, raw: bytes, headers: dict[str, str]) -> webhooks.WebhookResult:  # type: ignore[no-untyped-def]
    return webhooks.process(
        seeded,
        raw,
        headers.get("X-Razorpay-Signature"),
        headers.get("X-Razorpay-Event-Id"),
        WEBHOOK_SECRET,
    )


async def test_a_link_carries_the_order_total_with_shipping_in_paise_and_its_reference(
    seeded, http, fake_gateway
):
    order_id, link_id = await _linked_order(seeded, http, fake_gateway, quantity=2)
    created = fake_gateway.links[link_id]
    assert created["amount"] == 2 * PRICE + SHIPPING == 488_000
    assert (created["currency"], created["reference_id"]) == ("INR", str(order_id))
    assert created["expire_by"] > utcnow().timestamp()
    with seeded() as s:
        payment = s.scalar(select(Payment).where(Payment.order_id == order_id))
        assert (payment.external_id, payment.url) == (link_id, created["short_url"])
    fetched = await _client(http, fake_gateway).fetch_link(link_id)
    assert (fetched.status, fetched.amount_minor) == ("created", 488_000)


async def test_a_wrong_key_is_refused_and_a_gateway_outage_leaves_the_link_to_retry(
    seeded, http, fake_gateway
):
    with pytest.raises(GatewayRefused) as refused:
        await _client(http, fake_gateway, "wrong").fetch_link("plink_x")
    assert refused.value.status == 401
    order_id = place(seeded)
    payment = start(seeded, order_id)
    fake_gateway.down = True
    assert await jobs.send_link(seeded, _client(http, fake_gateway), payment.id, utcnow()) is None
    with seeded() as s:
        assert [p.id for p in payments.links_to_create(s)] == [payment.id]
    fake_gateway.down = False
    link = await jobs.send_link(seeded, _client(http, fake_gateway), payment.id, utcnow() + DAY)
    assert link is not None and link.reference_id == str(order_id)
    with seeded() as s:
        assert payments.links_to_create(s) == []


async def test_a_link_whose_answer_was_lost_is_adopted_not_made_twice(seeded, http, fake_gateway):
    order_id = place(seeded)
    payment = start(seeded, order_id)
    fake_gateway.lose_answers = 1  # the gateway makes the link, its answer never arrives
    assert await jobs.send_link(seeded, _client(http, fake_gateway), payment.id, utcnow() + DAY) is None
    [made] = fake_gateway.links
    link = await jobs.send_link(seeded, _client(http, fake_gateway), payment.id, utcnow() + DAY)
    assert link is not None and link.id == made and list(fake_gateway.links) == [made]
    with seeded() as s:
        assert s.get(Payment, payment.id).external_id == made


async def test_a_new_attempt_after_a_closed_link_gets_a_reference_of_its_own(
    seeded, http, fake_gateway
):
    order_id, first = await _linked_order(seeded, http, fake_gateway)
    await _client(http, fake_gateway).cancel_link(first)
    with transaction(seeded) as s:
        payments.link_closed(s, webhooks.PROVIDER, first, "cancelled")
    again = start(seeded, order_id)
    link = await jobs.send_link(seeded, _client(http, fake_gateway), again.id, utcnow() + DAY)
    assert link is not None and link.id != first
    assert link.reference_id == f"{order_id}-{again.id}"


async def test_a_signed_paid_event_pays_once_with_one_receipt_even_when_sent_twice(
    seeded, http, fake_gateway
):
    add_staff(seeded)
    order_id, link_id = await _linked_order(seeded, http, fake_gateway)
    fake_gateway.pay(link_id)
    raw, headers = fake_gateway.webhook(link_id)
    assert _deliver(seeded, raw, headers) == webhooks.WebhookResult(200, "paid")
    assert _deliver(seeded, raw, headers) == webhooks.WebhookResult(200, "duplicate")
    with seeded() as s:
        assert s.get(Order, order_id).status == "paid"
    assert len(notes(seeded, "payment_receipt")) == 1
    assert len(notes(seeded, "order_paid")) == 1


async def test_the_same_signed_event_twice_at_once_pays_once(seeded, http, fake_gateway):
    add_staff(seeded)
    _, link_id = await _linked_order(seeded, http, fake_gateway)
    fake_gateway.pay(link_id)
    raw, headers = fake_gateway.webhook(link_id)
    barrier = threading.Barrier(3)

    def deliver() -> str:
        barrier.wait()
        return _deliver(seeded, raw, headers).outcome

    outcomes = await asyncio.gather(*(asyncio.to_thread(deliver) for _ in range(3)))
    assert sorted(outcomes) == ["duplicate", "duplicate", "paid"]
    assert len(notes(seeded, "payment_receipt")) == 1
    assert len(notes(seeded, "order_paid")) == 1


async def test_a_forged_or_missing_signature_is_rejected_and_changes_nothing(
    seeded, http, fake_gateway
):
    order_id, link_id = await _linked_order(seeded, http, fake_gateway)
    fake_gateway.pay(link_id)
    raw, headers = fake_gateway.webhook(link_id)
    signature = headers["X-Razorpay-Signature"]
    assert webhooks.verify_signature(raw, signature, WEBHOOK_SECRET)
    tampered = raw.replace(b'"amount": 248000', b'"amount": 100')
    assert tampered != raw
    assert not webhooks.verify_signature(tampered, signature, WEBHOOK_SECRET)
    assert not webhooks.verify_signature(raw, signature, "another-secret")
    assert not webhooks.verify_signature(raw, None, WEBHOOK_SECRET)
    assert not webhooks.verify_signature(raw, "", WEBHOOK_SECRET)
    forged = fake_gateway.webhook(link_id, secret="guessed")
    assert _deliver(seeded, *forged).status_code == 401
    assert _deliver(seeded, tampered, headers).status_code == 401
    with seeded() as s:
        assert s.get(Order, order_id).status == "placed"
        assert s.scalar(select(Payment.status).where(Payment.order_id == order_id)) == "pending"


async def test_a_short_payment_leaves_the_order_unpaid_and_alerts_staff(seeded, http, fake_gateway):
    add_staff(seeded)
    order_id, link_id = await _linked_order(seeded, http, fake_gateway)
    fake_gateway.pay(link_id, amount=PRICE)  # the shipping is missing
    assert _deliver(seeded, *fake_gateway.webhook(link_id)).outcome == "mismatch"
    with seeded() as s:
        assert s.get(Order, order_id).status == "placed"
    assert len(notes(seeded, "payment_alert")) == 1
    assert notes(seeded, "payment_receipt") == []


async def test_reconcile_finds_a_payment_whose_webhook_was_lost(seeded, http, fake_gateway):
    order_id, link_id = await _linked_order(seeded, http, fake_gateway)
    other_id, open_link = await _linked_order(seeded, http, fake_gateway)
    fake_gateway.pay(link_id)
    results = await jobs.reconcile(seeded, _client(http, fake_gateway))
    assert results == {link_id: "paid", open_link: "open"}
    with seeded() as s:
        assert s.get(Order, order_id).status == "paid"
        assert s.get(Order, other_id).status == "placed"
    assert _deliver(seeded, *fake_gateway.webhook(link_id)).outcome == "duplicate"
    assert len(notes(seeded, "payment_receipt")) == 1


async def test_expiry_cancels_the_link_and_a_payment_after_it_is_flagged_for_refund(
    seeded, http, fake_gateway
):
    add_staff(seeded)
    order_id = place(seeded)
    payment = start(seeded, order_id, started_ago=25 * timedelta(hours=1))
    client = _client(http, fake_gateway)
    link = await jobs.send_link(seeded, client, payment.id, utcnow() + DAY)
    assert link is not None
    now = utcnow()
    assert (await jobs.expire(seeded, client, now, DAY)).reminded == [order_id]
    expired = await jobs.expire(seeded, client, now + 12 * timedelta(hours=1), DAY)
    assert expired.cancelled == [order_id]
    assert fake_gateway.links[link.id]["status"] == "cancelled"
    assert stock_of(seeded, "KS-101") == (12, 12)
    charge = fake_gateway.pay(link.id)  # a payment already under way when the link closed
    assert _deliver(seeded, *fake_gateway.webhook(link.id)).outcome == "refund_due"
    assert stock_of(seeded, "KS-101") == (12, 12)  # not taken again
    assert "/refund" in notes(seeded, "payment_alert")[-1].text
    with transaction(seeded) as s:
        refunded = payments.mark_refunded(s, s.get(Order, order_id), actor="staff:1")
        assert refunded.charge_id == charge
    assert (await client.refund(charge)).startswith("rfnd_")
    assert fake_gateway.refunds[0]["payment_id"] == charge


async def test_link_expired_and_unknown_link_events_are_acknowledged(seeded, http, fake_gateway):
    order_id, link_id = await _linked_order(seeded, http, fake_gateway)
    fake_gateway.links[link_id]["status"] = "expired"
    result = _deliver(seeded, *fake_gateway.webhook(link_id, event="payment_link.expired"))
    assert result == webhooks.WebhookResult(200, "expired")
    with seeded() as s:
        assert s.scalar(select(Payment.status).where(Payment.order_id == order_id)) == "expired"
        assert s.get(Order, order_id).status == "placed"  # the expiry job decides, not the link
    fake_gateway.links["plink_elsewhere"] = dict(fake_gateway.links[link_id], id="plink_elsewhere")
    fake_gateway.pay("plink_elsewhere")
    stray = _deliver(seeded, *fake_gateway.webhook("plink_elsewhere"))
    assert stray == webhooks.WebhookResult(200, "unknown")
    assert _deliver(seeded, b"not json", {
        "X-Razorpay-Signature": webhooks.sign(b"not json", WEBHOOK_SECRET)
    }).status_code == 400  # fmt: skip


def test_a_paid_event_parses_into_a_neutral_record() -> None:
    raw = (
        b'{"event": "payment_link.paid", "payload": {"payment_link": {"entity": {"id": "plink_1",'
        b' "reference_id": "42"}}, "payment": {"entity": {"id": "pay_9", "amount": 248000,'
        b' "currency": "INR", "status": "captured", "method": "upi"}}}}'
    )
    assert webhooks.parse_event(raw) == webhooks.GatewayEvent(
        "paid", "plink_1", "42", "pay_9", 248000, "INR", "upi"
    )
    with pytest.raises(webhooks.InvalidEvent):
        webhooks.parse_event(b'{"payload": {}}')
