"""/paid ORDER with a transfer's reference (issue 12, a tester's finding: a JazzCash or
Easypaisa transaction ID was refused as "not a UTR"): a TID, a UTR or none, recorded on the
payment as a buyer's TID is, confirmed in one line; a bad one says what to give."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from catalog import payments
from catalog.db import transaction
from catalog.models import Order, Payment
from catalog.refs import ref
from tests.staff_support import StaffEnv, buyer_order


def transfer_order(env: StaffEnv) -> int:
    """A placed order whose buyer chose a manual transfer."""
    oid = buyer_order(env.sessions, "KS-101")
    with transaction(env.sessions) as s:
        order = s.get(Order, oid)
        assert order is not None
        payments.start(s, order, "manual")
    return oid


def rows(env: StaffEnv, oid: int) -> list[tuple[str, str | None, str]]:
    with env.sessions() as s:
        found = s.scalars(select(Payment).where(Payment.order_id == oid).order_by(Payment.id))
        return [(p.status, p.external_id, p.provider) for p in found]


@pytest.mark.parametrize(
    "typed",
    ["31245678901", "TID 31245678901", "tid: 3124-5678-901", "۳۱۲۴۵۶۷۸۹۰۱", "TID३१२४५६७८९०१"],
)
async def test_paid_takes_a_transaction_id_and_records_it(staff_env: StaffEnv, typed: str):
    oid = transfer_order(staff_env)
    reply = await staff_env.say(f"/paid {ref(oid)} {typed}")
    assert reply == f"Order {ref(oid)} marked paid (TID 31245678901)."
    assert ("paid", "31245678901", "manual") in rows(staff_env, oid)
    assert "TID 31245678901 (paid)" in (await staff_env.say(f"/order {ref(oid)}") or "")


async def test_paid_with_the_tid_the_buyer_sent_confirms_that_claim(staff_env: StaffEnv):
    oid = transfer_order(staff_env)
    with transaction(staff_env.sessions) as s:
        order = s.get(Order, oid)
        assert order is not None
        payments.record_utr(s, order, "EP 0312 4567 89AB", "manual")
    reply = await staff_env.say(f"/paid {ref(oid)} EP031245678 9AB")
    assert reply == f"Order {ref(oid)} marked paid (TID EP0312456789AB)."
    assert rows(staff_env, oid) == [("paid", "EP0312456789AB", "manual")]


async def test_paid_of_a_cash_order_still_takes_a_utr(staff_env: StaffEnv):
    oid = buyer_order(staff_env.sessions, "KS-101")
    assert await staff_env.say(f"/paid {oid} UTR 4123 4567 8901") == (
        f"Order {ref(oid)} marked paid (UTR 412345678901)."
    )


async def test_a_bad_reference_says_how_and_records_nothing(staff_env: StaffEnv):
    oid = transfer_order(staff_env)
    before = staff_env.snapshot()
    reply = await staff_env.say(f"/paid {ref(oid)} 12345")
    assert reply == (
        "A reference is a UPI UTR (12 digits) or a JazzCash/Easypaisa transaction ID (TID: 8 to "
        f"24 letters and digits), e.g. /paid {ref(oid)} TID 31245678901; nothing recorded."
    )
    assert staff_env.snapshot() == before and rows(staff_env, oid) == [("pending", None, "manual")]


async def test_a_upi_order_wants_its_utr(staff_env: StaffEnv):
    oid = buyer_order(staff_env.sessions, "KS-101")
    with transaction(staff_env.sessions) as s:
        order = s.get(Order, oid)
        assert order is not None
        payments.start(s, order, "upi_qr")
    reply = await staff_env.say(f"/paid {ref(oid)} TID 31245678901")
    assert reply == (
        f"The order was paid by UPI QR: give its 12-digit UTR, e.g. /paid {ref(oid)} "
        "412345678901; nothing recorded."
    )
