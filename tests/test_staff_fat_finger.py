"""F22: a price change past a third or 3x, or a stock count past 10x (and over 100), is not
applied until confirmed with `yes` at the end; Indian price writing (2450/-, Rs 2450) is read."""

from __future__ import annotations

from tests.staff_support import StaffEnv


async def test_price_dropped_digit_asks_for_confirmation(staff_env: StaffEnv):
    before = staff_env.snapshot()
    reply = await staff_env.say("/price KS-101 24")
    assert reply == (
        "KS-101 price ₹2,400 → ₹24 is a 99% cut; nothing changed. "
        "If that is right, send /price KS-101 24 yes"
    )
    assert staff_env.product("KS-101").price_minor == 240000
    assert staff_env.snapshot() == before
    assert await staff_env.say("/price KS-101 24 yes") == "KS-101 price ₹2,400 → ₹24."
    assert staff_env.product("KS-101").price_minor == 2400


async def test_price_ten_times_asks_for_confirmation(staff_env: StaffEnv):
    reply = await staff_env.say("/price KS-101 24000")
    assert reply == (
        "KS-101 price ₹2,400 → ₹24,000 is 10 times the current price; nothing changed. "
        "If that is right, send /price KS-101 24000 yes"
    )
    assert staff_env.product("KS-101").price_minor == 240000
    assert await staff_env.say("/price KS-101 24000 haan") == "KS-101 price ₹2,400 → ₹24,000."


async def test_price_within_bounds_goes_live(staff_env: StaffEnv):
    assert await staff_env.say("/price KS-101 7200") == "KS-101 price ₹2,400 → ₹7,200."
    assert await staff_env.say("/price KS-101 2400") == "KS-101 price ₹7,200 → ₹2,400."


async def test_indian_price_writing(staff_env: StaffEnv):
    assert await staff_env.say("/price KS-101 2450/-") == "KS-101 price ₹2,400 → ₹2,450."
    assert await staff_env.say("/price KS-101 Rs 2500") == "KS-101 price ₹2,450 → ₹2,500."
    assert await staff_env.say("/price KS-101 ₹2,550") == "KS-101 price ₹2,500 → ₹2,550."
    assert await staff_env.say("/price KS-101 Rs. 2,600/-") == "KS-101 price ₹2,550 → ₹2,600."


async def test_stock_ten_times_asks_for_confirmation(staff_env: StaffEnv):
    before = staff_env.snapshot()
    reply = await staff_env.say("/stock KS-101 2500")
    assert reply == (
        "KS-101 stock 12 → 2500 is more than 10 times the count now; nothing changed. "
        "If that is right, send /stock KS-101 2500 yes"
    )
    assert staff_env.snapshot() == before
    assert await staff_env.say("/stock KS-101 2500 yes") == "KS-101 stock 12 → 2500."
    assert staff_env.product("KS-101").stock == 2500


async def test_stock_small_counts_go_live(staff_env: StaffEnv):
    assert await staff_env.say("/stock KS-101 100") == "KS-101 stock 12 → 100."  # not over 100
    assert await staff_env.say("/stock KS-102 0") == "KS-102 stock 5 → 0."
    assert await staff_env.say("/stock KS-102 40") == "KS-102 stock 0 → 40."


# F5 (tester): /restock was not checked as /stock is, and /help did not say changes may ask.


async def test_restock_ten_times_asks_for_confirmation(staff_env: StaffEnv):
    before = staff_env.snapshot()
    reply = await staff_env.say("/restock KS-101 +500 new batch")
    assert reply == (
        "KS-101 stock 12 +500 → 512 is more than 10 times the count now; nothing changed. "
        "If that is right, send /restock KS-101 +500 new batch yes"
    )
    assert staff_env.snapshot() == before
    assert await staff_env.say("/restock KS-101 +500 new batch yes") == (
        "KS-101 stock +500 → 512 (new batch)."
    )
    assert staff_env.product("KS-101").stock == 512


async def test_restock_with_hindi_yes_and_without_a_reason(staff_env: StaffEnv):
    assert (await staff_env.say("/restock KS-102 +300")).endswith("send /restock KS-102 +300 yes")
    assert await staff_env.say("/restock KS-102 +300 haan") == "KS-102 stock +300 → 305 (restock)."


async def test_restock_ordinary_changes_go_live(staff_env: StaffEnv):
    assert await staff_env.say("/restock KS-101 +88") == "KS-101 stock +88 → 100 (restock)."  # not over 100
    assert await staff_env.say("/restock KS-102 +45") == "KS-102 stock +45 → 50 (restock)."  # 10 times
    assert await staff_env.say("/restock KS-102 -50 damaged") == "KS-102 stock -50 → 0 (damaged)."


async def test_help_says_that_a_typo_looking_change_asks_for_yes(staff_env: StaffEnv):
    reply = await staff_env.say("/help")
    head, rule = reply.split("\n")
    assert head.startswith("Staff commands (KND): /stock /restock /price")
    assert rule == (
        "A change that looks like a typo (a price below a third or over 3 times the price now, "
        "stock over 10 times the count now and over 100) is not made: send the same command "
        "again ending in yes (or haan)."
    )
