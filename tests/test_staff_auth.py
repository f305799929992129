"""Who may do what: buyers and unknown senders get None (Rasa answers), other jails are refused."""

from __future__ import annotations

import pytest

from tests.staff_support import BUYER_TG, BUYER_WA, NHN_TG, StaffEnv

COMMANDS = [
    "/stock KS-101 0",
    "/restock KS-101 -5",
    "/price KS-101 1",
    "/sold KS-101 2",
    "/hide KS-101",
    "/orders",
    "/lowstock",
    "/report",
    "/undo",
    "/help",
    "/add",
    "/photo KS-101",
    "/staff add telegram 5555 admin",
    "/rate GBP 9",
]


@pytest.mark.parametrize("text", COMMANDS)
async def test_buyer_gets_none_and_nothing_changes(staff_env: StaffEnv, text: str):
    before = staff_env.snapshot()
    assert await staff_env.say(text, BUYER_TG) is None
    assert await staff_env.say(text, BUYER_WA) is None
    assert await staff_env.say(text.lstrip("/"), BUYER_WA) is None
    assert staff_env.snapshot() == before
    assert staff_env.media.fetched == []


async def test_plain_chat_is_not_a_command(staff_env: StaffEnv):
    # staff commands work without the slash on Telegram too, as on WhatsApp (tester finding B12)
    assert await staff_env.say("stock KS-101 5") == "KS-101 stock 12 → 5."
    assert await staff_env.say("hello, do you have shawls?") is None
    assert await staff_env.say("mujhe 2 kullu shawl chahiye", BUYER_WA) is None
    assert await staff_env.say("/start") is None


@pytest.mark.parametrize(
    "text",
    ["/stock KS-101 0", "/restock KS-101 -5", "/price KS-101 100", "/sold KS-101 2",
     "/hide KS-101", "/show KS-101", "/photo KS-101"],
)
async def test_other_jails_staff_cannot_touch_product(staff_env: StaffEnv, text: str):
    before = staff_env.snapshot()
    reply = await staff_env.say(text, NHN_TG, media_url="https://x/p.png")
    assert reply.startswith("KS-101 belongs to another jail; nothing changed.")
    assert staff_env.snapshot() == before
    assert staff_env.product("KS-101").price_minor == 240000
    assert staff_env.product("KS-101").active is True


async def test_admin_touches_any_jail(staff_env: StaffEnv):
    assert await staff_env.say("/stock KS-103 3", "9009") == "KS-103 stock 8 → 3."
    assert await staff_env.say("/stock KS-101 3", "9009") == "KS-101 stock 12 → 3."
