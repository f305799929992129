"""/orders, /ship, /paid, /cancel and the notifications they leave in the outbox."""

from __future__ import annotations

from sqlalchemy import select

from catalog import payments
from catalog.models import Notification, Order, OrderStatus, Payment
from catalog.refs import ref
from tests.staff_support import ADMIN_TG, BUYER_TG, KND_WA, NHN_TG, StaffEnv, buyer_order


def notes(env: StaffEnv, kind: str) -> list[Notification]:
    with env.sessions() as s:
        return list(s.scalars(select(Notification).where(Notification.kind == kind)))


def status(env: StaffEnv, order_id: int) -> str:
    with env.sessions() as s:
        return s.get(Order, order_id).status


async def test_orders_lists_own_jail_by_status(staff_env: StaffEnv):
    a = buyer_order(staff_env.sessions, "KS-101", 2)
    b = buyer_order(staff_env.sessions, "KS-103", 1)  # Nahan's
    reply = await staff_env.say("/orders")
    assert reply == f"{ref(a)} placed ₹4,800 2xKS-101"
    assert await staff_env.say("orders shipped", KND_WA) == "No shipped orders."
    assert ref(b) in await staff_env.say("/orders", NHN_TG)
    everything = await staff_env.say("/orders placed", ADMIN_TG)
    assert f"{ref(a)} KND placed" in everything and f"{ref(b)} NHN placed" in everything


async def test_ship_with_tracking_notifies_buyer(staff_env: StaffEnv):
    oid = buyer_order(staff_env.sessions, "KS-101")
    reply = await staff_env.say(f"/ship {oid} EE123456789IN")
    assert reply == f"Order {ref(oid)} shipped (tracking EE123456789IN); the buyer will be told in about 10 minutes (until then, /undo takes it back)."
    assert status(staff_env, oid) == OrderStatus.SHIPPED
    [note] = notes(staff_env, "shipped")
    assert f"order {ref(oid)}" in note.text and "EE123456789IN" in note.text


async def test_paid_then_ship_on_whatsapp_bare(staff_env: StaffEnv):
    oid = buyer_order(staff_env.sessions, "KS-101")
    assert await staff_env.say(f"paid #{oid}", KND_WA) == f"Order {ref(oid)} marked paid."
    assert (
        await staff_env.say(f"bhejo {oid}", KND_WA)
        == f"Order {ref(oid)} shipped; the buyer will be told in about 10 minutes (until then, /undo takes it back)."
    )


async def test_cancel_returns_stock_and_tells_buyer(staff_env: StaffEnv):
    oid = buyer_order(staff_env.sessions, "KS-101", 2)
    assert staff_env.product("KS-101").stock == 10
    reply = await staff_env.say(f"/cancel {oid} out of wool")
    assert reply == f"Order {ref(oid)} cancelled; 2 back in stock; the buyer will be told."
    assert staff_env.product("KS-101").stock == 12
    [note] = notes(staff_env, "cancelled")
    assert "out of wool" in note.text


async def test_shipping_a_cancelled_order_is_refused(staff_env: StaffEnv):
    oid = buyer_order(staff_env.sessions, "KS-101")
    await staff_env.say(f"/cancel {oid} buyer asked")
    before = staff_env.snapshot()
    reply = await staff_env.say(f"/ship {oid}")
    assert reply == f"Order {ref(oid)} is cancelled; it cannot become shipped; nothing changed."
    assert status(staff_env, oid) == OrderStatus.CANCELLED
    assert staff_env.snapshot() == before
    assert notes(staff_env, "shipped") == []


async def test_another_jails_order_is_refused(staff_env: StaffEnv):
    oid = buyer_order(staff_env.sessions, "KS-101")
    before = staff_env.snapshot()
    for cmd in (f"/ship {oid}", f"/paid {oid}", f"/cancel {oid} mine now"):
        assert await staff_env.say(cmd, NHN_TG) == (
            f"Order {ref(oid)} belongs to another jail; nothing changed."
        )
    assert status(staff_env, oid) == OrderStatus.PLACED
    assert staff_env.snapshot() == before


async def test_unknown_order_and_bad_numbers(staff_env: StaffEnv):
    assert await staff_env.say("/ship 999") == "No order 999."
    assert await staff_env.say("/ship abc") == (
        "An order number looks like KG-1042 or 1042, not 'abc'. "
        "Usage: /ship ORDER [tracking] [--unpaid] (e.g. /ship KG-1042 EE123456789IN; --unpaid "
        "ships a transfer or UPI order not paid yet)"
    )
    assert (await staff_env.say("/cancel 5")).startswith("Give the order number and a reason.")
    assert (await staff_env.say("/orders lost")).startswith("Unknown status 'lost'")


async def test_low_stock_alert_on_buyer_order_and_sold(staff_env: StaffEnv):
    # KS-102: stock 5, alert at 2. A buyer takes 3 (to 2): crosses the threshold once.
    buyer_order(staff_env.sessions, "KS-102", 3)
    alerts = notes(staff_env, "low_stock")
    assert len(alerts) == 2  # both Kanda staff (Telegram and WhatsApp), nobody else
    assert "KS-102" in alerts[0].text and "2 left" in alerts[0].text
    # HB-101: stock 25, alert at 5. /sold 21 crosses it.
    assert await staff_env.say("/sold HB-101 21") == "Sold 21 x HB-101 (₹5,250); stock now 4."
    alerts = [n for n in notes(staff_env, "low_stock") if "HB-101" in n.text]
    assert len(alerts) == 2 and "4 left" in alerts[0].text
    # Selling more below the threshold doesn't repeat the alert.
    await staff_env.say("/sold HB-101 1")
    assert len([n for n in notes(staff_env, "low_stock") if "HB-101" in n.text]) == 2


async def test_order_details_go_to_the_jails_staff_and_admins_only(staff_env: StaffEnv):
    oid = buyer_order(staff_env.sessions, "KS-101", 2)
    lines = (await staff_env.say(f"/order {oid}")).splitlines()
    assert lines[0].startswith(f"Order {ref(oid)} KND, placed, ₹4,800 (cod), ")
    assert lines[1:] == [
        "2 x KS-101 Kullu Shawl (Wool) @ ₹2,400",
        "Deliver to: A Buyer, +91 98111 11111",
        "1 Mall Road, Shimla, 171001, India",
    ]
    assert (await staff_env.say(f"/order #{oid}", ADMIN_TG)).startswith(
        f"Order {ref(oid)} KND, placed"
    )
    assert await staff_env.say(f"/order {oid}", NHN_TG) == (
        f"Order {ref(oid)} belongs to another jail; nothing changed."
    )
    assert await staff_env.say(f"/order {oid}", BUYER_TG) is None  # to Rasa
    assert await staff_env.say("/order 999") == "No order 999."
    assert await staff_env.say("/order") == f"{ref(oid)} placed ₹4,800 2xKS-101"  # like /orders
    await staff_env.say(f"/ship {oid} EE1IN")
    assert (await staff_env.say(f"order {oid}", KND_WA)).splitlines()[-1] == "Tracking EE1IN"


async def test_order_details_of_a_sale_in_person_and_a_cancelled_order(staff_env: StaffEnv):
    await staff_env.say("/sold KS-101 1")
    with staff_env.sessions() as s:
        sale = s.scalars(select(Order)).one().id
    assert (await staff_env.say(f"/order {sale}")).splitlines()[-1] == (
        "No delivery address (sold in person)."
    )
    oid = buyer_order(staff_env.sessions, "KS-101")
    await staff_env.say(f"/cancel {oid} out of wool")
    reply = await staff_env.say(f"/order {oid}")
    assert reply.startswith(f"Order {ref(oid)} KND, cancelled")
    assert reply.splitlines()[-1] == "Cancelled: out of wool"


async def test_undo_of_paid_unrecords_the_payment_and_holds_back_the_receipt(staff_env: StaffEnv):
    oid = buyer_order(staff_env.sessions, "KS-101")
    assert await staff_env.say(f"/paid {oid} 412345678901") == (
        f"Order {ref(oid)} marked paid (UTR 412345678901)."
    )
    assert await staff_env.say("/undo") == f"Undone: order {ref(oid)} back to placed."
    with staff_env.sessions() as s:
        order = s.get(Order, oid)
        assert order is not None and order.paid_at is None
        assert payments.payment_state(s, order) == "unpaid"
        assert [p.status for p in s.scalars(select(Payment))] == ["cancelled"]
    assert notes(staff_env, "payment_receipt") == []
    assert str(oid) in await staff_env.say("/orders unpaid")
    assert await staff_env.say(f"/paid {oid} 412345678901") == (
        f"Order {ref(oid)} marked paid (UTR 412345678901)."
    )
    assert len(notes(staff_env, "payment_receipt")) == 1
