"""Tester finding B11: /orders and /order show what the buyer pays (shipping included), as
the buyer was told, with goods + shipping when the order has shipping."""

from __future__ import annotations

from catalog.db import transaction
from catalog.models import Order
from catalog.refs import ref
from tests.staff_support import StaffEnv, buyer_order


def with_shipping(env: StaffEnv, sku: str, shipping_minor: int) -> int:
    oid = buyer_order(env.sessions, sku)
    with transaction(env.sessions) as s:
        order = s.get(Order, oid)
        assert order is not None
        order.shipping_minor = shipping_minor
    return oid


async def test_orders_and_order_include_shipping(staff_env: StaffEnv):
    oid = with_shipping(staff_env, "KS-101", 8000)
    assert (
        await staff_env.say("/orders")
        == f"{ref(oid)} placed ₹2,480 (₹2,400 + ₹80 shipping) 1xKS-101"
    )
    head = (await staff_env.say(f"/order {ref(oid)}") or "").split("\n")[0]
    assert head.startswith(f"Order {ref(oid)} KND, placed, ₹2,480 (₹2,400 + ₹80 shipping) (cod)")


async def test_without_shipping_the_total_alone(staff_env: StaffEnv):
    oid = buyer_order(staff_env.sessions, "KS-101")
    assert await staff_env.say("/orders") == f"{ref(oid)} placed ₹2,400 1xKS-101"
