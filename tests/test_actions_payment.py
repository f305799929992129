"""Paying by chat: the offer after placing, each method started, forged choices refused, UTRs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from actions import db
from actions.checkout import ActionPlaceOrder
from actions.payment import ActionChoosePayment, ActionRecordUtr, choose_payload, use_settings
from bot.core.messages import Invoice
from bot.ops.settings import load
from catalog import payment_methods
from catalog.db import transaction
from catalog.models import Jail, Notification, Order, Payment, PaymentStatus
from catalog.refs import parse_ref, ref
from catalog.staff import add as add_staff
from tests.rasa_support import run, tracker

DELIVERY = {
    "buyer_name": "Asha Verma",
    "buyer_phone": "+919876543210",
    "buyer_address": "12 Mall Road, Shimla",
    "buyer_country": "India",
    "buyer_postal_code": "171001",
}
ALL = ["cod", "payment_link", "upi_qr", "telegram_invoice", "manual"]
BUYER = "te-buyer1"


@pytest.fixture
def shop(seeded: sessionmaker[Session], tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """The seeded shop; Kanda takes every method; a gateway and a provider token configured."""
    with transaction(seeded) as s:
        jail = s.scalars(select(Jail).where(Jail.code == "KND")).one()
        payment_methods.set_methods(
            s, jail, ALL, actor="test", upi_vpa="himkara.kanda@sbi", upi_payee="Himkara Kanda",
            manual_details="SBI Shimla A/c 1234, IFSC SBIN0000001",
        )  # fmt: skip
    db.use(seeded)
    use_settings(
        load(
            RAZORPAY_KEY_ID="rzp_test", RAZORPAY_KEY_SECRET="s3cret",
            TELEGRAM_PAYMENT_PROVIDER_TOKEN="284685063:TEST:abc", KAARIGAR_MEDIA_DIR=str(tmp_path),
        )
    )  # fmt: skip
    yield seeded
    db.use(None)
    use_settings(None)


async def place(sender: str = BUYER, checkout: str = "c1") -> tuple[int, list[dict]]:
    slots = {**DELIVERY, "cart": ["KS-101:1"], "checkout_id": checkout}
    _, msgs = await run(
        ActionPlaceOrder(), tracker("yes", intent="affirm", slots=slots, sender=sender)
    )
    number = parse_ref(msgs[0]["text"].split("Order ")[1].split(" ")[0])
    assert number is not None
    return number, msgs


def choose(method: str, order_id: int, sender: str = BUYER, language: str = "en"):  # type: ignore[no-untyped-def]
    return tracker(
        choose_payload(method, order_id), intent="choose_payment", sender=sender,
        entities={"method": method, "order_id": str(order_id)}, slots={"language": language},
    )  # fmt: skip


def payments_of(sessions: sessionmaker[Session], order_id: int) -> list[Payment]:
    with sessions() as s:
        return list(s.scalars(select(Payment).where(Payment.order_id == order_id)))


async def test_the_action_puts_the_buyers_language_in_the_invoice(shop) -> None:
    order_id, _ = await place()
    _, msgs = await run(ActionChoosePayment(), choose("telegram_invoice", order_id, language="ur"))
    invoice = msgs[0]["custom"]["invoice"]
    assert invoice["language"] == "ur" and "country" in invoice  # shown as text: for them (#12)


async def test_placing_offers_the_jails_methods_for_the_channel(shop) -> None:
    order_id, msgs = await place()
    offer = msgs[1]
    assert offer["text"] == f"How would you like to pay ₹2,480 for order {ref(order_id)}?"
    assert [b["payload"] for b in offer["buttons"]] == [choose_payload(m, order_id) for m in ALL]
    _, wa = await place(sender="wh-buyer2", checkout="c2")
    methods = [b["payload"].split('"method":"')[1].split('"')[0] for b in wa[1]["buttons"]]
    assert methods == ["cod", "payment_link", "upi_qr", "manual"]  # no invoices on WhatsApp


async def test_payment_link_is_left_for_the_web_apps_loop(shop) -> None:
    order_id, _ = await place()
    _, msgs = await run(ActionChoosePayment(), choose("payment_link", order_id))
    assert (
        msgs[0]["text"]
        == f"Order {ref(order_id)}: your payment link for ₹2,480 follows in a moment."
    )
    [payment] = payments_of(shop, order_id)
    assert (payment.provider, payment.status, payment.external_id) == ("razorpay", "pending", None)
    assert payment.amount_minor == 248_000


async def test_upi_qr_sends_a_stored_qr_and_the_link(shop, tmp_path: Path) -> None:
    order_id, _ = await place()
    _, msgs = await run(ActionChoosePayment(), choose("upi_qr", order_id, language="hi"))
    image = tmp_path / msgs[0]["image"]
    assert image.read_bytes().startswith(b"\x89PNG")
    link = f"upi://pay?pa=himkara.kanda@sbi&pn=Himkara%20Kanda&am=2480.00&cu=INR&tr={order_id}"
    assert link in msgs[0]["text"] and "12 अंकों का UTR" in msgs[0]["text"]


async def test_manual_gives_the_details_and_cod_confirms(shop) -> None:
    order_id, _ = await place()
    _, msgs = await run(ActionChoosePayment(), choose("manual", order_id))
    assert "SBI Shimla A/c 1234, IFSC SBIN0000001" in msgs[0]["text"]
    assert "12-digit UTR" in msgs[0]["text"]
    _, msgs = await run(ActionChoosePayment(), choose("cod", order_id))
    assert msgs[0]["text"] == f"Order {ref(order_id)}: you pay ₹2,480 in cash on delivery."
    with shop() as s:
        assert s.get(Order, order_id).payment_method == "cod"  # type: ignore[union-attr]


async def test_telegram_invoice_is_neutral_custom_json(shop) -> None:
    order_id, _ = await place()
    _, msgs = await run(ActionChoosePayment(), choose("telegram_invoice", order_id))
    custom = msgs[0]["custom"]
    [payment] = payments_of(shop, order_id)
    invoice = Invoice(
        custom["invoice"]["title"], custom["invoice"]["description"], custom["invoice"]["payload"],
        custom["invoice"]["currency"], tuple(map(tuple, custom["invoice"]["prices"])),
    )  # fmt: skip
    assert invoice.payload == payment.external_id and len(invoice.payload) >= 32
    assert invoice.prices == ((f"Order {ref(order_id)}", 240_000), ("Shipping", 8_000))
    assert (
        invoice.title == f"Kaarigar order {ref(order_id)}" and "Kullu Shawl" in invoice.description
    )
    again, msgs2 = await run(ActionChoosePayment(), choose("telegram_invoice", order_id))
    assert msgs2[0]["custom"]["invoice"]["payload"] == invoice.payload  # same open invoice
    assert len(payments_of(shop, order_id)) == 1


async def test_forged_choices_change_nothing(shop) -> None:
    order_id, _ = await place()
    _, msgs = await run(ActionChoosePayment(), choose("upi_qr", order_id, sender="te-intruder"))
    assert msgs[0]["text"] == f"I found no order {ref(order_id)} of yours."
    _, msgs = await run(
        ActionChoosePayment(),
        choose("telegram_invoice", order_id, sender=BUYER.replace("te-", "wh-")),
    )
    assert "I found no order" in msgs[0]["text"]  # another sender id is another buyer
    with transaction(shop) as s:
        jail = s.scalars(select(Jail).where(Jail.code == "KND")).one()
        payment_methods.set_methods(s, jail, ["cod"], actor="test")
    _, msgs = await run(ActionChoosePayment(), choose("upi_qr", order_id))
    assert msgs[0]["text"] == f"That way of paying is not available for order {ref(order_id)}."
    assert payments_of(shop, order_id) == []
    with transaction(shop) as s:
        s.get(Order, order_id).status = "paid"  # type: ignore[union-attr]
    _, msgs = await run(ActionChoosePayment(), choose("cod", order_id))
    assert msgs[0]["text"] == f"Order {ref(order_id)} is paid; there is nothing to pay now."
    assert payments_of(shop, order_id) == []


async def test_a_utr_is_recorded_on_the_latest_order_waiting_for_upi(shop) -> None:
    trk = tracker("paid, UTR 4012 3456 7890", intent="payment_reference", sender=BUYER)
    _, msgs = await run(ActionRecordUtr(), trk)
    assert msgs[0]["text"] == "I found no order of yours waiting for a UPI or transfer payment."
    order_id, _ = await place()
    await run(ActionChoosePayment(), choose("upi_qr", order_id))
    with transaction(shop) as s:
        add_staff(s, "telegram", "1001", role="staff", jail_code="KND")
    _, msgs = await run(ActionRecordUtr(), trk)
    assert msgs[0]["text"] == (
        f"Thank you! UTR 401234567890 is recorded on order {ref(order_id)}. "
        "Our staff will confirm the payment."
    )
    [payment] = payments_of(shop, order_id)
    assert (payment.external_id, payment.status) == ("401234567890", PaymentStatus.CLAIMED)
    with shop() as s:
        alerts = s.scalars(select(Notification).where(Notification.kind == "payment_alert")).all()
    assert any("UTR 401234567890" in n.text for n in alerts)
    other = tracker("401234567890", intent="payment_reference", sender="te-other")
    _, msgs = await run(ActionRecordUtr(), other)
    assert "waiting for a UPI" in msgs[0]["text"]
