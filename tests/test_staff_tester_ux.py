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
