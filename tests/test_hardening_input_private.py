"""Private data only in private chats (issue 10, item 14): a staff member's /order in a Telegram
group must not post the buyer's name, phone and address to the group."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from telegram import Update

from bot.core.messages import Inbound
from bot.handlers.telegram import to_inbound
from bot.staff.route import handle
from catalog import phones
from catalog.refs import ref
from tests.staff_support import DELIVERY, KND_TG, StaffEnv, buyer_order
from tests.web_support import tg_callback_update, tg_text_update

_ids = itertools.count(1)


def in_chat(update: dict[str, Any], chat_type: str) -> Update:
    """The update as sent from a chat of this type (a group's id is negative)."""
    message = update.get("message") or update["callback_query"]["message"]
    message["chat"] = {"id": -100123, "type": chat_type, "title": "Kanda staff"}
    return Update.de_json(update, None)


@pytest.mark.parametrize(
    ("chat_type", "private"),
    [("private", True), ("group", False), ("supergroup", False), ("channel", False)],
)
def test_telegram_inbound_says_whether_the_chat_is_private(chat_type: str, private: bool) -> None:
    text = to_inbound(in_chat(tg_text_update(1001, "/order 1"), chat_type))
    button = to_inbound(in_chat(tg_callback_update(1001, "/orders"), chat_type))
    assert text is not None and text.private is private
    assert button is not None and button.private is private


def test_other_channels_are_private() -> None:
    assert Inbound("whatsapp", "+919800000001", "SM1", text="order 1").private is True


async def say_in(env: StaffEnv, text: str, private: bool) -> str:
    inbound = Inbound("telegram", KND_TG, f"g{next(_ids)}", text=text, private=private)
    replies = await handle(inbound, env.deps)
    assert replies is not None and len(replies) == 1
    return replies[0].text


async def test_order_in_a_group_keeps_the_buyers_details_out(staff_env: StaffEnv) -> None:
    oid = buyer_order(staff_env.sessions, "KS-101")
    reply = await say_in(staff_env, f"/order {oid}", private=False)
    shown = phones.shown(DELIVERY.phone)  # as staff read it: "+91 98111 11111"
    for secret in (DELIVERY.name, DELIVERY.phone, shown, DELIVERY.address, DELIVERY.postal_code):
        assert secret not in reply
    assert f"Order {ref(oid)} KND, placed" in reply
    assert "ask me in a private chat" in reply
    private = await say_in(staff_env, f"/order {oid}", private=True)
    assert shown in private and DELIVERY.address in private


async def test_other_staff_replies_in_a_group_carry_no_buyer_details(staff_env: StaffEnv) -> None:
    oid = buyer_order(staff_env.sessions, "KS-101")
    replies = [
        await say_in(staff_env, text, private=False)
        for text in ("/orders", "/order", f"/ship {oid} EE1IN", "/lowstock", "/report", "/undo")
    ]
    for reply in replies:
        for secret in (DELIVERY.name, DELIVERY.phone, phones.shown(DELIVERY.phone), DELIVERY.address):
            assert secret not in reply


async def test_a_buyer_writing_in_a_group_is_asked_to_chat_privately_and_rasa_never_sees_it(
    fake_rasa: Any, fake_telegram: Any, sqlite_engine: Any
) -> None:
    from catalog.db import make_sessionmaker
    from tests.web_support import post_tg, running_app, settings_for

    settings = settings_for(str(sqlite_engine.url), fake_rasa, fake_telegram, None)
    update = tg_text_update(5555, "checkout")
    update["message"]["chat"] = {"id": -100777, "type": "group", "title": "Family"}
    async with running_app(settings, make_sessionmaker(sqlite_engine)) as (_, client):
        assert (await post_tg(client, update)).status_code == 200
        await fake_telegram.wait_for("sendMessage")
    [sent] = fake_telegram.sent()
    assert sent["chat_id"] == -100777 and "private chat" in sent["text"]
    assert fake_rasa.messages() == []
