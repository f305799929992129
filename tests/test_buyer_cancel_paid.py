"""F36: staff told a buyer-cancelled order was paid and needs /refund; `/orders cancelled`
marks it "refund due"; a buyer asking to cancel a shipped order is told it has shipped."""

from __future__ import annotations

from sqlalchemy import select

from actions.orders import ActionCancelOrder
from catalog import orders, outbox
from catalog.db import transaction
from catalog.models import Notification, Order
from catalog.money import fmt
from catalog.payments import amount_due
from catalog.refs import ref
from tests.buyer_support import INDIA, place
from tests.rasa_support import run, tracker
from tests.staff_support import StaffEnv, buyer_order


def buyer_cancels(env: StaffEnv, oid: int) -> None:
    with transaction(env.sessions) as s:
        order = s.get(Order, oid)
        assert order is not None
        orders.cancel(
            s, order, reason=outbox.BUYER_CANCEL_REASON,
            actor=f"customer:{order.customer_id}", channel="chat",
        )  # fmt: skip


def told(env: StaffEnv) -> set[str]:
    with env.sessions() as s:
        kind = Notification.kind == "buyer_cancelled"
        return set(s.scalars(select(Notification.text).where(kind)))


async def test_staff_told_a_cancelled_order_was_paid(staff_env: StaffEnv) -> None:
    oid = buyer_order(staff_env.sessions, "KS-101")
    assert (await staff_env.say(f"/paid {ref(oid)} 412345678901") or "").startswith("Order")
    buyer_cancels(staff_env, oid)
    with staff_env.sessions() as s:
        order = s.get(Order, oid)
        assert order is not None
        paid = fmt(amount_due(order), order.currency)
    assert told(staff_env) == {
        f"Buyer cancelled order {ref(oid)}, paid {paid}: refund with /refund {ref(oid)}."
    }
    listed = await staff_env.say("/orders cancelled") or ""
    assert listed.startswith(f"{ref(oid)} cancelled") and listed.endswith("refund due")


async def test_unpaid_cancel_stays_short(staff_env: StaffEnv) -> None:
    oid = buyer_order(staff_env.sessions, "KS-101")
    buyer_cancels(staff_env, oid)
    assert told(staff_env) == {f"Buyer cancelled order {ref(oid)}."}
    assert "refund" not in (await staff_env.say("/orders cancelled") or "")


async def test_cancelling_a_shipped_order_says_it_shipped(shop) -> None:
    oid, _ = await place({**INDIA, "cart": ["KS-101:1"], "checkout_id": "c-ship"})
    with transaction(shop) as s:
        order = s.get(Order, oid)
        assert order is not None
        orders.mark_shipped(s, order, actor="staff:test")
    expected = {
        "en": f"Order {ref(oid)} has already shipped, so it cannot be cancelled; "
        "if something is wrong with it, write 'talk to a person'.",
        "hi-Latn": f"Order {ref(oid)} bhej diya gaya hai, isliye ab cancel nahi ho sakta; "
        "kuch gadbad ho to 'kisi se baat karo' likhiye.",
    }
    for language, text in expected.items():
        slots = {"language": language}
        asked = tracker("order cancel karo", intent="cancel_order", sender="te-buyer1", slots=slots)
        _, msgs = await run(ActionCancelOrder(), asked)
        assert msgs[0]["text"] == text
        assert [b["payload"] for b in msgs[0]["buttons"]] == ["/human_handoff"]
        named = tracker(f"cancel {ref(oid)}", intent="cancel_order", sender="te-buyer1",
                        entities={"order_id": ref(oid)}, slots=slots)  # fmt: skip
        _, msgs = await run(ActionCancelOrder(), named)
        assert msgs[0]["text"] == text
    for language in ("hi", "ur"):
        asked = tracker(
            "cancel", intent="cancel_order", sender="te-buyer1", slots={"language": language}
        )
        _, msgs = await run(ActionCancelOrder(), asked)
        assert ref(oid) in msgs[0]["text"] and "cancel" not in msgs[0]["text"].lower()
