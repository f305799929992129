"""Tester finding B12: from registered staff, an unknown command gets one line pointing to
/help (not a buyer's product search); a typo of a command ("/stok") asks "did you mean" and
changes nothing; on Telegram the aliases work without the slash, as on WhatsApp."""

from __future__ import annotations

import pytest

from bot.core.messages import Inbound
from bot.staff.route import handle
from tests.staff_support import BUYER_TG, BUYER_WA, KND_TG, KND_WA, StaffEnv


def stock_of(env: StaffEnv, sku: str) -> int:
    from catalog import products

    with env.sessions() as s:
        return products.get(s, sku).stock


@pytest.mark.parametrize("user", [KND_TG, KND_WA])
@pytest.mark.parametrize("typed", ["/foo", "/xyz 8 hello, how can we help?"])
async def test_an_unknown_command_points_to_help(staff_env: StaffEnv, user: str, typed: str):
    word = typed.split()[0]
    assert await staff_env.say(typed, user) == f"Unknown command {word}; see /help"


@pytest.mark.parametrize("user", [KND_TG, KND_WA])
@pytest.mark.parametrize("typed", ["/stok KS-101 5", "stok KS-101 5"])
async def test_a_typo_does_not_change_stock(staff_env: StaffEnv, user: str, typed: str):
    before = stock_of(staff_env, "KS-101")
    reply = await staff_env.say(typed, user)
    assert reply is not None and reply.startswith("Did you mean /stock? Nothing changed.")
    assert "\n" not in reply
    assert stock_of(staff_env, "KS-101") == before


async def test_telegram_aliases_work_without_the_slash(staff_env: StaffEnv):
    before = stock_of(staff_env, "KS-101")
    reply = await staff_env.say("bika KS-101 3", KND_TG)
    assert reply is not None and "KS-101" in reply, reply
    assert stock_of(staff_env, "KS-101") == before - 3


@pytest.mark.parametrize("user", [BUYER_TG, BUYER_WA])
@pytest.mark.parametrize("typed", ["/foo", "/stok KS-101 5", "bika KS-101 3", "stok hai?"])
async def test_buyers_still_go_to_rasa(staff_env: StaffEnv, user: str, typed: str):
    assert await staff_env.say(typed, user) is None


@pytest.mark.parametrize("typed", ["stok hai kya?", "👍", "/start"])
async def test_other_staff_messages_still_go_to_rasa(staff_env: StaffEnv, typed: str):
    assert await staff_env.say(typed, KND_TG) is None


async def test_a_pressed_button_is_not_an_unknown_command(staff_env: StaffEnv):
    inbound = Inbound(
        channel="telegram", user_id=KND_TG, message_id="b1", text="/browse_catalog",
        button_payload="/browse_catalog",
    )  # fmt: skip
    assert await handle(inbound, staff_env.deps) is None
