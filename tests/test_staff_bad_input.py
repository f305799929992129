"""Bad input: the usage in one line and nothing changes."""

from __future__ import annotations

import pytest

from tests.staff_support import KND_WA, StaffEnv

CASES = [
    ("/stock KS-109 5", "No product KS-109 in your jail. Did you mean KS-102, KS-101, KS-201?"),
    ("/price KS101 2000", "No product KS101 in your jail. Did you mean KS-101"),
    ("/stock KS-101", "Give a SKU and the count. Usage: /stock SKU N"),
    ("/stock", "Give a SKU and the count. Usage: /stock SKU N"),
    ("/stock KS-101 five", "N must be a whole number, not 'five'. Usage: /stock SKU N"),
    ("/stock KS-101 2.5", "N must be a whole number, not '2.5'. Usage:"),
    ("/stock KS-101 -3", "Stock cannot go below zero. Usage: /stock SKU N"),
    ("/stock KS-101 9999999", "Stock above 100000 is not plausible. Usage:"),
    ("/restock KS-101 -20", "KS-101 has only 12; stock cannot go below zero."),
    ("/restock KS-101 +99999999999", "KS-101 stock can change by -12 to +99988; nothing changed."),
    ("/restock KS-101 0", "The change must be +N or -N, not '0'. Usage: /restock"),
    ("/restock KS-101 lots", "The change must be +N or -N, not 'lots'."),
    ("/price KS-101 0", "A price must be more than zero. Usage: /price SKU AMOUNT"),
    ("/price KS-101 50000000", "A price above 100000 is not plausible here. Usage:"),
    ("/price KS-101 cheap", "The price must be a number, not 'cheap'. Usage:"),
    ("/price KS-101", "Give a SKU and the price. Usage:"),
    ("/sold KS-101 0", "The number sold must be at least 1. Usage: /sold SKU N"),
    ("/sold KS-101 x", "N must be a whole number, not 'x'. Usage: /sold SKU N"),
    ("/sold KS-101 13", "Only 12 of KS-101 in stock; nothing recorded."),
    ("/sold KS-101 500", "A quantity must be between 1 and 100. Usage: /sold SKU N"),
    ("/hide", "Give a SKU. Usage: /hide SKU"),
    ("/report yesterday", "Period is today, week, month or YYYY-MM. Usage: /report"),
    ("/report 2026-13", "A month is YYYY-MM, e.g. 2026-03. Usage: /report"),
    ("/report 0000-01", "A month is YYYY-MM, e.g. 2026-03. Usage: /report"),
    ("/price KS-101 1e309", "The price must be a number, not '1e309'. Usage:"),
    ("/photo KS-101", "Attach a photo to the message: send the photo now, or with the caption /photo KS-101."),
    ("/photo", "Give a SKU. Usage: /photo SKU with a photo attached"),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0] for c in CASES])
async def test_bad_input_answers_usage_and_changes_nothing(
    staff_env: StaffEnv, text: str, expected: str
):
    before = staff_env.snapshot()
    price = staff_env.product("KS-101").price_minor
    reply = await staff_env.say(text)
    assert reply.startswith(expected)
    assert "\n" not in reply
    assert staff_env.snapshot() == before
    assert staff_env.product("KS-101").price_minor == price


async def test_bad_input_on_whatsapp_bare(staff_env: StaffEnv):
    before = staff_env.snapshot()
    assert (await staff_env.say("stock KS-101 bahut", KND_WA)).startswith("N must be a whole number")
    assert staff_env.snapshot() == before


async def test_admin_bad_input(staff_env: StaffEnv):
    assert (await staff_env.say("/rate GBP -1", "9009")).startswith("A rate must be a positive")
    assert (await staff_env.say("/rate GBPX 1", "9009")).startswith("A currency is a three-letter")
    assert (await staff_env.say("/staff add telegram abc KND", "9009")).startswith(
        "A Telegram id is the numeric user id"
    )
    assert (await staff_env.say("/staff add telegram 77 XXX", "9009")).startswith(
        "No jail with code 'XXX'"
    )
    assert (await staff_env.say("/staff telegram 77", "9009")).startswith("Give add, the channel")
