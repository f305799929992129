"""Payments in the catalog: jail methods, confirmation exactly once, mismatches, late money,
UPI references, refunds and the paid/unpaid report, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from bot.payments.telegram import app_language
from catalog import payment_methods, payment_report, payments, reports
from catalog.db import transaction
from catalog.errors import InvalidInput, InvalidTransition
from catalog.models import Jail, Order, Payment
from catalog.products import jail_by_code
from catalog.refs import ref
from tests.payments_support import SHIPPING, add_staff, notes, place, start, stock_of

PRICE = 240_000  # KS-101, ₹2,400


def _confirm(sessions, link: str, amount: int = PRICE + SHIPPING, currency: str = "INR",
             event: str = "evt_1", charge: str = "pay_1") -> payments.Outcome:  # fmt: skip
    with transaction(sessions) as s:
        return payments.confirm_paid(
            s, "razorpay", link, amount, currency, event_id=event, charge_id=charge
        )


def test_demo_defaults_give_india_the_gateway_link_or_cod_and_peshawar_cod_and_transfer(seeded):
    with transaction(seeded) as s:
        assert payment_methods.apply_defaults(s, gateway=False) == 17
        assert payment_methods.get_methods(jail_by_code(s, "KND")) == ["cod"]
        assert payment_methods.get_methods(jail_by_code(s, "PSW")) == ["cod", "manual"]
        assert jail_by_code(s, "PSW").manual_details
        assert payment_methods.apply_defaults(s, gateway=True) == 0  # configured jails stay
        for jail in s.scalars(select(Jail)):
            jail.payment_methods = None
        payment_methods.apply_defaults(s, gateway=True)
        assert payment_methods.get_methods(jail_by_code(s, "KND")) == ["payment_link"]


def test_jail_methods_are_validated_and_filtered_for_the_buyer(seeded):
    with transaction(seeded) as s:
        knd, psw = jail_by_code(s, "KND"), jail_by_code(s, "PSW")
        with pytest.raises(InvalidInput, match="UPI ID"):
            payment_methods.set_methods(s, knd, ["upi_qr"], actor="cli")
        with pytest.raises(InvalidInput, match="rupees"):
            payment_methods.set_methods(s, psw, ["payment_link"], actor="cli")
        with pytest.raises(InvalidInput, match="unknown"):
            payment_methods.set_methods(s, knd, ["bitcoin"], actor="cli")
        with pytest.raises(InvalidInput, match="name@bank"):
            payment_methods.set_methods(s, knd, ["cod"], actor="cli", upi_vpa="not a vpa")
        chosen = payment_methods.set_methods(
            s, knd, ["upi_qr", "payment_link", "telegram_invoice", "cod"], actor="cli",
            upi_vpa="himkara.kanda@sbi", upi_payee="Himkara Kanda",
        )  # fmt: skip
        assert chosen == ["upi_qr", "payment_link", "telegram_invoice", "cod"]
        on_whatsapp = payment_methods.offered(
            knd, channel="whatsapp", gateway=False, telegram_invoices=True
        )
        assert on_whatsapp == ["upi_qr", "cod"]
        on_telegram = payment_methods.offered(
            knd, channel="telegram", gateway=True, telegram_invoices=True
        )
        assert on_telegram == chosen


def test_a_paid_event_marks_the_order_paid_once_with_one_receipt_and_one_staff_notice(seeded):
    add_staff(seeded)
    order_id = place(seeded)
    start(seeded, order_id, external_id="plink_A")
    assert _confirm(seeded, "plink_A").result == "paid"
    again = _confirm(seeded, "plink_A")  # the gateway retries the same event
    assert (again.result, again.order_id) == ("duplicate", order_id)
    other_event = _confirm(seeded, "plink_A", event="evt_2")  # same charge, another event
    assert other_event.result == "duplicate"
    with seeded() as s:
        order = s.get(Order, order_id)
        assert order.status == "paid" and order.paid_at is not None
        assert payments.payment_state(s, order) == "paid"
    receipts = notes(seeded, "payment_receipt")
    assert len(receipts) == 1
    assert "₹2,480" in receipts[0].text and "pay_1" in receipts[0].text
    staff_notes = notes(seeded, "order_paid")
    assert len(staff_notes) == 1 and f"Order {ref(order_id)} paid" in staff_notes[0].text


def test_the_same_event_twice_at_once_pays_once(seeded):
    add_staff(seeded)
    order_id = place(seeded)
    start(seeded, order_id, external_id="plink_B")
    barrier = threading.Barrier(4)

    def deliver(_: int) -> str:
        barrier.wait()
        return _confirm(seeded, "plink_B", event="evt_same", charge="pay_same").result

    with ThreadPoolExecutor(4) as pool:
        results = sorted(pool.map(deliver, range(4)))
    assert results == ["duplicate", "duplicate", "duplicate", "paid"]
    assert len(notes(seeded, "payment_receipt")) == 1
    assert len(notes(seeded, "order_paid")) == 1


def test_a_wrong_amount_or_currency_leaves_the_order_unpaid_and_alerts_staff(seeded):
    add_staff(seeded)
    order_id = place(seeded)
    start(seeded, order_id, external_id="plink_C")
    assert _confirm(seeded, "plink_C", amount=PRICE).result == "mismatch"  # shipping missing
    with seeded() as s:
        order = s.get(Order, order_id)
        assert order.status == "placed" and order.paid_at is None
        payment = s.scalar(select(Payment).where(Payment.external_id == "plink_C"))
        assert (payment.status, payment.amount_minor) == ("mismatch", PRICE)
    alerts = notes(seeded, "payment_alert")
    assert len(alerts) == 1 and "stays unpaid" in alerts[0].text
    assert notes(seeded, "payment_receipt") == []

    order_id = place(seeded)
    start(seeded, order_id, external_id="plink_D")
    outcome = _confirm(seeded, "plink_D", currency="USD", event="evt_d", charge="pay_d")
    assert outcome.result == "mismatch"
    assert len(notes(seeded, "payment_alert")) == 2


def test_money_for_a_cancelled_order_is_recorded_and_flagged_for_refund_without_taking_stock(
    seeded,
):
    from catalog import orders

    add_staff(seeded)
    order_id = place(seeded)
    start(seeded, order_id, external_id="plink_E")
    with transaction(seeded) as s:
        orders.cancel(s, s.get(Order, order_id), reason="buyer asked", actor="staff:1")
    before = stock_of(seeded, "KS-101")
    assert before == (12, 12)
    assert _confirm(seeded, "plink_E").result == "refund_due"
    assert stock_of(seeded, "KS-101") == before
    with seeded() as s:
        order = s.get(Order, order_id)
        assert order.status == "cancelled" and order.paid_at is None
        payment = s.scalar(select(Payment).where(Payment.external_id == "plink_E"))
        assert payment.status == "paid" and payment.refund_due
        assert [p.id for p in payments.refunds_due(s)] == [payment.id]
    assert "/refund" in notes(seeded, "payment_alert")[0].text
    assert len(notes(seeded, "refund_due")) == 1
    with transaction(seeded) as s:
        refunded = payments.mark_refunded(s, s.get(Order, order_id), actor="staff:1")
        assert (refunded.provider, refunded.charge_id) == ("razorpay", "pay_1")
    with seeded() as s:
        assert payments.payment_state(s, s.get(Order, order_id)) == "refunded"
        assert payments.refunds_due(s) == []
    assert len(notes(seeded, "refunded")) == 1


def test_an_event_for_an_unknown_link_is_not_remembered_so_a_retry_applies_later(seeded):
    assert _confirm(seeded, "plink_nobody").result == "unknown"
    # Not remembered as done: the gateway's retry applies once the link is attached.
    assert _confirm(seeded, "plink_nobody").result == "unknown"
    order_id = place(seeded)
    start(seeded, order_id, external_id="plink_nobody")
    assert _confirm(seeded, "plink_nobody").result == "paid"


def test_a_buyers_utr_is_recorded_staff_are_alerted_and_staff_confirm_it(seeded):
    add_staff(seeded)
    order_id = place(seeded)
    start(seeded, order_id, method="upi_qr")
    with transaction(seeded) as s:
        order = s.get(Order, order_id)
        with pytest.raises(InvalidInput, match="12 digits"):
            payments.record_utr(s, order, "12345")
        payment = payments.record_utr(s, order, "4011 2233 4455")
        assert (payment.status, payment.external_id) == ("claimed", "401122334455")
        assert payments.record_utr(s, order, "401122334455").id == payment.id  # once
    alerts = notes(seeded, "payment_alert")
    assert len(alerts) == 1 and f"/paid {ref(order_id)} 401122334455" in alerts[0].text
    other = place(seeded)
    with transaction(seeded) as s, pytest.raises(InvalidInput, match="another order"):
        payments.record_utr(s, s.get(Order, other), "401122334455")
    with transaction(seeded) as s:
        paid = payments.confirm_manual(
            s, s.get(Order, order_id), actor="staff:1", reference="401122334455"
        )
        assert paid.status == "paid"
    with seeded() as s:
        assert s.get(Order, order_id).status == "paid"
    assert "401122334455" in notes(seeded, "payment_receipt")[0].text
    with transaction(seeded) as s, pytest.raises(InvalidTransition, match="already paid"):
        payments.confirm_manual(s, s.get(Order, order_id), actor="staff:1")


def test_telegram_invoice_payload_is_unguessable_and_checked_before_checkout(seeded):
    order_id = place(seeded)
    payment = start(seeded, order_id, method="telegram_invoice")
    payload = payment.external_id
    with seeded() as s:
        order = s.get(Order, order_id)
        assert payments.invoice_prices(order) == [
            (f"Order {ref(order_id)}", PRICE),
            ("Shipping", SHIPPING),
        ]
    assert payload and 32 <= len(payload.encode()) <= 128
    with seeded() as s:
        assert payments.check_invoice(s, payload, "INR", PRICE + SHIPPING) is None
        assert "amount changed" in payments.check_invoice(s, payload, "INR", PRICE)
        assert "not valid" in payments.check_invoice(s, "guess", "INR", PRICE + SHIPPING)
    with transaction(seeded) as s:
        outcome = payments.confirm_paid(
            s, "telegram", payload, PRICE + SHIPPING, "INR", event_id="tg_charge_1",
            charge_id="tg_charge_1", provider_charge_id="provider_1",
        )  # fmt: skip
        assert outcome.result == "paid"
    with seeded() as s:
        stored = s.get(Payment, payment.id)
        assert (stored.charge_id, stored.provider_charge_id) == ("tg_charge_1", "provider_1")
        assert "cannot be paid" in payments.check_invoice(s, payload, "INR", PRICE + SHIPPING)


def test_the_pre_checkout_refusal_is_in_the_buyers_language(seeded):
    """Issue 12: Telegram showed "The amount changed: ..." to a Hinglish or Urdu buyer."""
    order_id = place(seeded)
    payload = start(seeded, order_id, method="telegram_invoice").external_id
    with transaction(seeded) as s:
        s.get(Order, order_id).customer.language = "hi-Latn"
    with seeded() as s:
        changed = payments.check_invoice(s, payload, "INR", PRICE)
        assert changed.startswith(f"Amount badal gaya hai: order {ref(order_id)} ab ₹"), changed
        assert changed.endswith(" ka hai."), changed
        # no order behind the payload: the app's language, else English
        assert payments.check_invoice(s, "guess", "INR", 1, "ur") == "یہ بل اب درست نہیں ہے۔"
        assert payments.check_invoice(s, "guess", "INR", 1) == "This invoice is not valid any more."
    assert [app_language(c) for c in ("hi", "ur-PK", "en", None, 7)] == ["hi", "ur", None, None, None]


def test_report_separates_paid_and_unpaid_turnover(seeded):
    paid_id, unpaid_id = place(seeded), place(seeded, "KS-101", 2)
    start(seeded, paid_id, external_id="plink_R")
    start(seeded, unpaid_id, external_id="plink_S")
    _confirm(seeded, "plink_R")
    with seeded() as s:
        rows = payment_report.by_payment(s, reports.period("month"))
    assert rows == [
        payment_report.PaymentTurnover("INR", PRICE + SHIPPING, 2 * PRICE + SHIPPING, 0)
    ]
