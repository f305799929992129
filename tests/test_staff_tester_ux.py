"""Tester (UX session): staff commands typed wrong get a reply that says what is wrong."""

from __future__ import annotations

from tests.staff_support import StaffEnv


# "/sold KS-101 -2" answered "Stock cannot go below zero." (the stock was 12): a sale of -2
# is no sale.
async def test_sold_a_negative_number_says_at_least_one(staff_env: StaffEnv):
    before = staff_env.snapshot()
    reply = await staff_env.say("/sold KS-101 -2")
    assert reply is not None and reply.startswith("The number sold must be at least 1."), reply
    assert staff_env.snapshot() == before


# "/price KS-101 -100" answered "The price must be a number, not '-100'" (it is one), and a
# 20-digit price the same; they are below zero and too big.
async def test_price_below_zero_says_so(staff_env: StaffEnv):
    reply = await staff_env.say("/price KS-101 -100")
    assert reply is not None and reply.startswith("A price must be more than zero."), reply
    assert staff_env.product("KS-101").price_minor == 240000


async def test_price_with_twenty_digits_says_too_big(staff_env: StaffEnv):
    reply = await staff_env.say("/price KS-101 99999999999999999999")
    assert reply is not None and reply.startswith("A price above 100000 is not plausible here"), reply
    assert staff_env.product("KS-101").price_minor == 240000
    # the same words as a 10-digit price refused by the catalog
    assert (await staff_env.say("/price KS-101 9999999999")).startswith(
        "A price above 100000 is not plausible here"
    )


# "/orders today" (a staff member looking at today's orders, as "/report today" works)
# answered "Unknown status 'today'".
async def test_orders_today_lists_what_was_placed_today(staff_env: StaffEnv):
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    from catalog.db import transaction
    from catalog.models import Order
    from tests.staff_support import buyer_order

    assert await staff_env.say("/orders today") == "No orders placed today."
    old = buyer_order(staff_env.sessions, "KS-101", 1)
    new = buyer_order(staff_env.sessions, "KS-101", 2)
    with transaction(staff_env.sessions) as s:
        s.execute(update(Order).where(Order.id == old)
                  .values(created_at=datetime.now(UTC) - timedelta(days=3)))
    today = await staff_env.say("/orders today")
    assert today is not None and today.startswith(f"KG-{new:04d} placed") and "\n" not in today
    assert await staff_env.say("/orders aaj") == today
    week = await staff_env.say("/orders week")
    assert week is not None and f"KG-{old:04d}" in week and f"KG-{new:04d}" in week
    assert (await staff_env.say("/orders placed")).count("\n") == 1  # statuses as before


# "/stock KS-101 +5" (staff meaning five more) set the stock to 5: "KS-101 stock 10 → 5."
async def test_stock_with_a_plus_sign_changes_nothing_and_points_to_restock(staff_env: StaffEnv):
    before = staff_env.snapshot()
    reply = await staff_env.say("/stock ks-101 +5")
    assert reply is not None and reply.startswith(
        "/stock sets the count; to add 5, send /restock KS-101 +5. Nothing changed."
    ), reply
    assert staff_env.snapshot() == before
    assert await staff_env.say("/stock KS-101 5") == "KS-101 stock 12 → 5."  # a count as before


# "/ship KG-0001 KG-0002" (two parcels at once) shipped KG-0001 with the tracking number
# "KG-0002" and left KG-0002 unshipped.
async def test_ship_two_orders_at_once_ships_nothing_and_says_one_at_a_time(staff_env: StaffEnv):
    from tests.staff_support import buyer_order

    first = buyer_order(staff_env.sessions, "KS-101", 1)
    second = buyer_order(staff_env.sessions, "KS-101", 1)
    a, b = f"KG-{first:04d}", f"KG-{second:04d}"
    reply = await staff_env.say(f"/ship {a} {b}")
    assert reply is not None and reply.startswith(
        f"{b} is an order number, not a tracking number; ship one order at a time: "
        f"/ship {a}, then /ship {b}. Nothing changed."
    ), reply
    assert "placed" in (await staff_env.say(f"/order {a}")).split("\n")[0]
    ok = await staff_env.say(f"/ship {a} EE123456789IN")
    assert ok is not None and ok.startswith(f"Order {a} shipped (tracking EE123456789IN)")


# "/help ship" answered the list of every command, not how /ship is written.
async def test_help_with_a_command_gives_its_usage(staff_env: StaffEnv):
    assert (await staff_env.say("/help ship")) == (
        "Usage: /ship ORDER [tracking] [--unpaid] (e.g. /ship KG-1042 EE123456789IN; "
        "--unpaid ships a transfer or UPI order not paid yet)"
    )
    assert (await staff_env.say("/help /keemat")) == "Usage: /price SKU AMOUNT (e.g. /price KS-101 2400)"
    assert (await staff_env.say("/help")).startswith("Staff commands (KND): /stock")
    assert (await staff_env.say("/help staff")).startswith("Staff commands (KND)")  # admins only


# "/orders shiped" answered "unknown status 'shiped'; one of: ..." without unpaid, today or week.
async def test_orders_with_a_misspelt_status_suggests_it(staff_env: StaffEnv):
    said = await staff_env.say("/orders shiped")
    assert said is not None and said.startswith(
        "Unknown status 'shiped' (did you mean /orders shipped?). Usage: /orders ["
    ), said
    for word in ("unpaid", "today", "week"):
        assert word in said
