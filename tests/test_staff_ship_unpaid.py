"""Tester finding B10: /ship of a transfer order that is not paid yet warns in one line and
ships only with --unpaid; cash-on-delivery orders ship as before."""

from __future__ import annotations

from sqlalchemy import select

from catalog.models import Notification, Order, OrderStatus
from catalog.refs import ref
from tests.staff_support import StaffEnv, buyer_order
from tests.test_staff_paid_reference import transfer_order


def status(env: StaffEnv, oid: int) -> str:
    with env.sessions() as s:
        order = s.get(Order, oid)
        assert order is not None
        return order.status


async def test_an_unpaid_transfer_order_is_not_shipped_without_unpaid(staff_env: StaffEnv):
    oid = transfer_order(staff_env)
    reply = await staff_env.say(f"/ship {ref(oid)} EE123456789IN")
    assert reply == (
        f"Order {ref(oid)} is not paid yet (manual); to ship it anyway: "
        f"/ship {ref(oid)} --unpaid EE123456789IN"
    )
    assert "\n" not in reply
    assert status(staff_env, oid) == OrderStatus.PLACED
    with staff_env.sessions() as s:
        assert s.scalars(select(Notification).where(Notification.kind == "shipped")).all() == []


async def test_unpaid_flag_ships_it(staff_env: StaffEnv):
    oid = transfer_order(staff_env)
    reply = await staff_env.say(f"/ship {ref(oid)} —unpaid EE123456789IN")
    assert reply == f"Order {ref(oid)} shipped (tracking EE123456789IN); the buyer will be told in about 10 minutes (until then, /undo takes it back)."
    assert status(staff_env, oid) == OrderStatus.SHIPPED


async def test_a_paid_transfer_order_and_a_cod_order_ship_as_before(staff_env: StaffEnv):
    oid = transfer_order(staff_env)
    await staff_env.say(f"/paid {ref(oid)} TID 31245678901")
    assert (await staff_env.say(f"/ship {ref(oid)}")).endswith("shipped; the buyer will be told in about 10 minutes (until then, /undo takes it back).")
    cod = buyer_order(staff_env.sessions, "KS-101")
    assert (await staff_env.say(f"/ship {ref(cod)}")).endswith("shipped; the buyer will be told in about 10 minutes (until then, /undo takes it back).")
