"""The web app end to end against loopback fakes of Telegram, Twilio and Rasa."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
import redis.asyncio as aioredis
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from bot.core.rasa_client import fallback
from bot.core.state import RedisStore
from bot.ops.settings import Settings
from catalog import customers
from catalog.db import make_sessionmaker, transaction
from catalog.models import Customer, Notification, utcnow
from catalog.staff import add as add_staff
from tests.conftest import REDIS_URL, unavailable
from tests.fixtures_channels import FakeRasa, FakeTelegram, FakeTwilio, wait_until
from tests.web_support import (
    SENDER_SECRET,
    WA_FROM,
    post_tg,
    post_wa,
    running_app,
    settings_for,
    signed,
    tg_callback_update,
    tg_text_update,
    wa_form,
)

BUYER = 555001
NUMBER = "+919812345678"
LONG_PAYLOAD = '/pick_product{"sku": "KS-101", "variant": "natural wool, 2 x 1 m, with tassels"}'


@pytest.fixture
def sessions(sqlite_engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(sqlite_engine)


@pytest.fixture
def any_db(engine: Engine) -> sessionmaker[Session]:
    """SQLite and PostgreSQL: what the outbox does depends on the database (row locks)."""
    return make_sessionmaker(engine)


@pytest.fixture
def settings(
    sqlite_engine: Engine, fake_rasa: FakeRasa, fake_telegram: FakeTelegram, fake_twilio: FakeTwilio
) -> Settings:
    return settings_for(
        str(sqlite_engine.url),
        fake_rasa,
        fake_telegram,
        fake_twilio,
        TWILIO_NOTIFY_CONTENT_SID="HX" + "1" * 32,
    )


async def shawl_menu(sender: str, message: str) -> list[dict[str, Any]]:
    if message.startswith("/pick_product"):
        return [{"text": f"picked {message}"}]
    return [
        {
            "text": "Kullu shawls:",
            "buttons": [
                {"title": "Wool", "payload": LONG_PAYLOAD},
                {"title": "Pashmina", "payload": '/pick_product{"sku":"KS-102"}'},
            ],
        },
        {"image": "https://cdn.example.org/ks-101.jpg", "text": "Kullu Shawl (Wool) ₹2,400"},
    ]


# --- Telegram -----------------------------------------------------------------------------


@pytest.mark.parametrize("secret", [None, "wrong", ""])
async def test_telegram_without_the_secret_gets_403_and_nothing_happens(
    settings: Settings,
    sessions: sessionmaker[Session],
    fake_rasa: FakeRasa,
    fake_telegram: FakeTelegram,
    secret: str | None,
) -> None:
    async with running_app(settings, sessions) as (_, client):
        resp = await post_tg(client, tg_text_update(BUYER, "hello"), secret=secret)
        # The same buyer's next genuine update is answered only after anything queued before it.
        await post_tg(client, tg_text_update(BUYER, "after"))
        await fake_telegram.wait_for("sendMessage")
    assert resp.status_code == 403
    assert fake_rasa.messages() == ["after"]
    assert [m["text"] for m in fake_telegram.sent()] == ["echo: after"]
    with sessions() as s:
        assert len(s.scalars(select(Customer)).all()) == 1  # recorded by "after" alone


async def test_telegram_buttons_photos_and_a_long_payload_round_trip(
    settings: Settings,
    sessions: sessionmaker[Session],
    fake_rasa: FakeRasa,
    fake_telegram: FakeTelegram,
) -> None:
    fake_rasa.respond = shawl_menu
    async with running_app(settings, sessions) as (_, client):
        assert (
            await post_tg(client, tg_text_update(BUYER, "kullu shawl dikhao"))
        ).status_code == 200
        await fake_telegram.wait_for("sendPhoto")
        menu = fake_telegram.sent()[0]
        keyboard = menu["reply_markup"]["inline_keyboard"]
        data = [row[0]["callback_data"] for row in keyboard]
        assert all(len(d.encode()) <= 64 for d in data)
        assert data[1] == '/pick_product{"sku":"KS-102"}'
        assert data[0] != LONG_PAYLOAD  # too long: sent as a token
        photo = fake_telegram.sent("sendPhoto")[0]
        assert photo["photo"] == "https://cdn.example.org/ks-101.jpg"
        assert photo["caption"].startswith("Kullu Shawl")

        await post_tg(client, tg_callback_update(BUYER, data[0]))
        await fake_telegram.wait_for("answerCallbackQuery")
        await fake_telegram.wait_for("sendMessage", 2)
    assert fake_rasa.messages()[-1] == LONG_PAYLOAD
    with sessions() as s:
        customer = s.scalars(select(Customer)).one()
        assert customer.channel == "telegram" and customer.last_inbound_at is not None


async def test_a_buyer_is_recorded_once_per_few_minutes_not_on_every_turn(
    settings: Settings,
    sessions: sessionmaker[Session],
    fake_rasa: FakeRasa,
    fake_telegram: FakeTelegram,
) -> None:
    marker = utcnow() - timedelta(minutes=1)
    async with running_app(settings, sessions) as (_, client):
        await post_tg(client, tg_text_update(BUYER, "hello"))
        await fake_telegram.wait_for("sendMessage")
        with transaction(sessions) as s:
            s.scalars(select(Customer)).one().last_inbound_at = marker
        await post_tg(client, tg_text_update(BUYER, "kullu shawl"))
        await fake_telegram.wait_for("sendMessage", 2)
    assert fake_rasa.messages() == ["hello", "kullu shawl"]
    with sessions() as s:
        seen = s.scalars(select(Customer)).one().last_inbound_at
    assert seen is not None and seen.replace(tzinfo=None) == marker.replace(
        tzinfo=None
    )  # no 2nd write


async def test_forged_callback_token_gets_the_menu_not_an_error(
    settings: Settings,
    sessions: sessionmaker[Session],
    fake_rasa: FakeRasa,
    fake_telegram: FakeTelegram,
) -> None:
    async def nothing(sender: str, message: str) -> list[dict[str, Any]]:
        return []

    fake_rasa.respond = nothing
    async with running_app(settings, sessions) as (_, client):
        await post_tg(client, tg_callback_update(BUYER, "t:forgedtoken"))
        await fake_telegram.wait_for("sendMessage")
    assert fake_telegram.sent("answerCallbackQuery")
    assert fake_telegram.sent()[0]["text"] == fallback()[0].text


async def test_telegram_update_sent_twice_and_concurrently_is_processed_once(
    settings: Settings,
    sessions: sessionmaker[Session],
    fake_rasa: FakeRasa,
    fake_telegram: FakeTelegram,
) -> None:
    update = tg_text_update(BUYER, "order 2")
    async with running_app(settings, sessions) as (_, client):
        results = await asyncio.gather(*(post_tg(client, update) for _ in range(3)))
        await fake_telegram.wait_for("sendMessage")
        await post_tg(client, update)
        # The buyer's next update is answered only after anything queued before it.
        await post_tg(client, tg_text_update(BUYER, "after"))
        await fake_telegram.wait_for("sendMessage", 2)
    assert [r.status_code for r in results] == [200, 200, 200]
    assert fake_rasa.messages() == ["order 2", "after"]
    assert [m["text"] for m in fake_telegram.sent()] == ["echo: order 2", "echo: after"]


async def test_telegram_long_text_is_split_under_4096(
    settings: Settings,
    sessions: sessionmaker[Session],
    fake_rasa: FakeRasa,
    fake_telegram: FakeTelegram,
) -> None:
    async def essay(sender: str, message: str) -> list[dict[str, Any]]:
        return [
            {
                "text": "\n".join(f"Line {i}: a handloom shawl from Kullu." for i in range(400)),
                "buttons": [{"title": "More", "payload": "more"}],
            }
        ]

    fake_rasa.respond = essay
    async with running_app(settings, sessions) as (_, client):
        await post_tg(client, tg_text_update(BUYER, "tell me everything"))
        # The keyboard rides on the last part: once it is sent, the whole reply is.
        await wait_until(
            lambda: any("reply_markup" in m for m in fake_telegram.sent()), "the keyboard"
        )
    sent = fake_telegram.sent()
    assert len(sent) == 4 and all(len(m["text"]) <= 4096 for m in sent)
    assert "reply_markup" in sent[-1] and all("reply_markup" not in m for m in sent[:-1])


async def test_a_buyer_reply_is_sent_again_after_a_429(
    settings: Settings,
    sessions: sessionmaker[Session],
    fake_rasa: FakeRasa,
    fake_telegram: FakeTelegram,
) -> None:
    """Replies, not only notifications, go through PTB's rate limiter: on Telegram's 429 it
    waits ``retry_after`` and sends the same message once more."""

    async def hello(sender: str, message: str) -> list[dict[str, Any]]:
        return [{"text": "Namaste! What are you looking for?"}]

    fake_rasa.respond = hello
    fake_telegram.retry_after["sendMessage"] = [1]
    async with running_app(settings, sessions) as (_, client):
        await post_tg(client, tg_text_update(BUYER, "hello"))
        await fake_telegram.wait_for("sendMessage", 2)
    sent = fake_telegram.sent()
    assert [m["text"] for m in sent] == ["Namaste! What are you looking for?"] * 2
    assert all(str(m["chat_id"]) == str(BUYER) for m in sent)


async def test_rasa_stopped_gives_the_fallback_menu_on_telegram(
    settings: Settings,
    sessions: sessionmaker[Session],
    fake_rasa: FakeRasa,
    fake_telegram: FakeTelegram,
) -> None:
    assert fake_rasa.running is not None
    await fake_rasa.running.stop()
    async with running_app(settings, sessions) as (_, client):
        await post_tg(client, tg_text_update(BUYER, "hello"))
        await fake_telegram.wait_for("sendMessage")
        health = await client.get("/healthz")
    text = fake_telegram.sent()[0]["text"]
    assert "staff" in text and fake_telegram.sent()[0]["reply_markup"]["inline_keyboard"]
    assert health.status_code == 503 and health.json()["rasa"] == "down"


async def test_healthz_reports_each_dependency(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    async with running_app(settings, sessions) as (_, client):
        resp = await client.get("/healthz")
    assert resp.status_code == 200
    assert resp.json() == {"database": "up", "redis": "not configured", "rasa": "up"}


# --- WhatsApp -----------------------------------------------------------------------------


async def test_whatsapp_missing_or_forged_signature_gets_403_and_nothing_happens(
    settings: Settings,
    sessions: sessionmaker[Session],
    fake_rasa: FakeRasa,
    fake_twilio: FakeTwilio,
) -> None:
    form = wa_form(NUMBER, "hello")
    async with running_app(settings, sessions) as (_, client):
        missing = await post_wa(client, form, headers={})
        forged = await post_wa(client, form, headers=signed(form, token="not-the-token"))
        tampered = await post_wa(client, form | {"Body": "other"}, headers=signed(form))
        # The same buyer's next genuine message is answered only after anything queued before it.
        await post_wa(client, wa_form(NUMBER, "after"))
        await fake_twilio.wait_for(1)
    assert [missing.status_code, forged.status_code, tampered.status_code] == [403, 403, 403]
    assert fake_rasa.messages() == ["after"]
    assert [m["Body"] for m in fake_twilio.messages] == ["echo: after"]
    with sessions() as s:
        assert len(s.scalars(select(Customer)).all()) == 1  # recorded by "after" alone


async def test_whatsapp_acknowledges_at_once_then_replies_with_numbered_choices(
    settings: Settings,
    sessions: sessionmaker[Session],
    fake_rasa: FakeRasa,
    fake_twilio: FakeTwilio,
) -> None:
    fake_rasa.respond = shawl_menu
    async with running_app(settings, sessions) as (_, client):
        resp = await post_wa(client, wa_form(NUMBER, "kullu shawl dikhao"))
        assert resp.status_code == 200
        assert resp.headers["content-type"].startswith("application/xml")
        assert "<Message" not in resp.text
        await fake_twilio.wait_for(2)
        await post_wa(client, wa_form(NUMBER, "1"))
        await fake_twilio.wait_for(3)
    menu, photo, picked = fake_twilio.messages
    assert menu["To"] == f"whatsapp:{NUMBER}" and menu["From"] == WA_FROM
    assert "1. Wool\n2. Pashmina" in menu["Body"] and "Reply 1 or 2" in menu["Body"]
    assert photo["MediaUrl"] == ["https://cdn.example.org/ks-101.jpg"]
    assert fake_rasa.messages()[-1] == LONG_PAYLOAD
    assert picked["Body"] == f"picked {LONG_PAYLOAD}"
    assert all(NUMBER not in str(call) for call in fake_rasa.calls)


async def test_slow_rasa_does_not_delay_the_twilio_acknowledgement(
    settings: Settings,
    sessions: sessionmaker[Session],
    fake_rasa: FakeRasa,
    fake_twilio: FakeTwilio,
) -> None:
    """Rasa answers only after Twilio has its acknowledgement: the ack cannot have waited."""
    asked, release = asyncio.Event(), asyncio.Event()

    async def slow(sender: str, message: str) -> list[dict[str, Any]]:
        asked.set()
        await release.wait()
        return [{"text": "done"}]

    fake_rasa.respond = slow
    async with running_app(settings, sessions) as (_, client):
        ack = asyncio.create_task(post_wa(client, wa_form(NUMBER, "hi")))
        await asyncio.wait_for(asked.wait(), 10)
        resp = await asyncio.wait_for(ack, 10)  # Rasa is still held here
        assert resp.status_code == 200 and fake_twilio.messages == []
        release.set()
        await fake_twilio.wait_for(1)
    assert fake_twilio.messages[0]["Body"] == "done"


async def test_whatsapp_long_text_is_split_under_1600(
    settings: Settings,
    sessions: sessionmaker[Session],
    fake_rasa: FakeRasa,
    fake_twilio: FakeTwilio,
) -> None:
    async def essay(sender: str, message: str) -> list[dict[str, Any]]:
        return [{"text": " ".join(["durrie"] * 700)}]

    fake_rasa.respond = essay
    async with running_app(settings, sessions) as (_, client):
        await post_wa(client, wa_form(NUMBER, "tell me"))
        await fake_twilio.wait_for(3)
    assert all(len(m["Body"]) <= 1600 for m in fake_twilio.messages)
    assert sum(m["Body"].count("durrie") for m in fake_twilio.messages) == 700


async def test_whatsapp_retry_with_the_same_sid_is_processed_once(
    settings: Settings,
    sessions: sessionmaker[Session],
    fake_rasa: FakeRasa,
    fake_twilio: FakeTwilio,
) -> None:
    form = wa_form(NUMBER, "order 2", sid="SM" + "7" * 32)
    async with running_app(settings, sessions) as (_, client):
        results = await asyncio.gather(*(post_wa(client, form) for _ in range(3)))
        await fake_twilio.wait_for(1)
        await post_wa(client, form)
        # The buyer's next message is answered only after anything queued before it.
        await post_wa(client, wa_form(NUMBER, "after"))
        await fake_twilio.wait_for(2)
    assert {r.status_code for r in results} == {200}
    assert fake_rasa.messages() == ["order 2", "after"]
    assert [m["Body"] for m in fake_twilio.messages] == ["echo: order 2", "echo: after"]


async def test_rasa_stopped_gives_the_fallback_menu_on_whatsapp(
    settings: Settings,
    sessions: sessionmaker[Session],
    fake_rasa: FakeRasa,
    fake_twilio: FakeTwilio,
) -> None:
    assert fake_rasa.running is not None
    await fake_rasa.running.stop()
    async with running_app(settings, sessions) as (_, client):
        await post_wa(client, wa_form(NUMBER, "hello"))
        await fake_twilio.wait_for(1)
    body = fake_twilio.messages[0]["Body"]
    assert "staff" in body and "1. " in body


async def test_whatsapp_messages_of_one_buyer_reach_rasa_in_order(
    settings: Settings,
    sessions: sessionmaker[Session],
    fake_rasa: FakeRasa,
    fake_twilio: FakeTwilio,
) -> None:
    async def jittery(sender: str, message: str) -> list[dict[str, Any]]:
        await asyncio.sleep(0.05 if message.endswith("0") else 0.0)
        return [{"text": message}]

    fake_rasa.respond = jittery
    async with running_app(settings, sessions) as (_, client):
        for i in range(5):
            await post_wa(client, wa_form(NUMBER, f"msg {i}"))
        await fake_twilio.wait_for(5)
    assert fake_rasa.messages() == [f"msg {i}" for i in range(5)]
    assert [m["Body"] for m in fake_twilio.messages] == [f"msg {i}" for i in range(5)]


# --- Notifications (the outbox) -----------------------------------------------------------


def _notify(
    any_db: sessionmaker[Session],
    channel: str,
    uid: str,
    *,
    days_ago: float,
    text: str = "Your Kaarigar order 7 has been shipped.",
) -> None:
    with transaction(any_db) as s:
        customer = customers.ensure(
            s, channel, uid, SENDER_SECRET, seen_at=utcnow() - timedelta(days=days_ago)
        )
        s.flush()
        s.add(
            Notification(
                kind="shipped",
                customer_id=customer.id,
                text=text,
            )
        )


LATER = "Your Kaarigar order 8 has been shipped."


async def test_shipped_notification_reaches_a_telegram_buyer_after_a_429(
    settings: Settings,
    any_db: sessionmaker[Session],
    fake_telegram: FakeTelegram,
) -> None:
    _notify(any_db, "telegram", str(BUYER), days_ago=3)
    fake_telegram.retry_after["sendMessage"] = [1]
    async with running_app(settings, any_db, outbox_interval=0.05):
        await fake_telegram.wait_for("sendMessage", 2)
        # A later notification goes out in a later round, which would send the first again
        # (oldest first) if it were still pending.
        _notify(any_db, "telegram", str(BUYER), days_ago=3, text=LATER)
        await wait_until(lambda: any(m["text"] == LATER for m in fake_telegram.sent()), LATER)
    sends = fake_telegram.sent()
    assert len(sends) == 3  # the 429, then exactly one retry; then the later notification
    assert str(sends[1]["chat_id"]) == str(BUYER)
    assert [m["text"] for m in sends[:2]] == ["Your Kaarigar order 7 has been shipped."] * 2
    with any_db() as s:
        first = s.scalars(select(Notification).order_by(Notification.id)).first()
        assert first is not None and first.sent_at is not None


async def test_whatsapp_notification_uses_the_template_outside_24_hours(
    settings: Settings,
    any_db: sessionmaker[Session],
    fake_twilio: FakeTwilio,
) -> None:
    _notify(any_db, "whatsapp", NUMBER, days_ago=3)
    _notify(any_db, "whatsapp", "+919800000002", days_ago=0.1)
    async with running_app(settings, any_db, outbox_interval=0.05):
        await fake_twilio.wait_for(2)
    old, recent = fake_twilio.messages
    assert old["ContentSid"] == "HX" + "1" * 32 and old.get("Body") is None
    assert recent["Body"].startswith("Your Kaarigar order") and recent.get("ContentSid") is None


async def test_whatsapp_staff_alert_is_free_text_within_24_hours_of_their_last_message(
    settings: Settings,
    any_db: sessionmaker[Session],
    fake_twilio: FakeTwilio,
) -> None:
    staff_number = "+919800000003"
    with transaction(any_db) as s:
        customers.ensure(s, "whatsapp", staff_number, SENDER_SECRET)  # wrote an hour ago
        member = add_staff(s, "whatsapp", staff_number, role="admin", jail_code=None)
        s.flush()
        s.add(Notification(kind="new_order", staff_id=member.id, text="New order 9: 2 x KS-101"))
    async with running_app(settings, any_db, outbox_interval=0.05):
        await fake_twilio.wait_for(1)
    [sent] = fake_twilio.messages
    assert sent["Body"] == "New order 9: 2 x KS-101" and sent.get("ContentSid") is None


# --- Several processes sharing Redis ------------------------------------------------------


@pytest.fixture
async def redis_namespace() -> AsyncIterator[str]:
    client = aioredis.from_url(REDIS_URL)
    try:
        await client.ping()
    except Exception as exc:  # noqa: BLE001
        await client.aclose()
        unavailable("Redis on 127.0.0.1:6379", exc)
    ns = f"test-{uuid.uuid4().hex[:10]}"
    yield ns
    keys = [k async for k in client.scan_iter(f"kaarigar:{ns}:*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


@pytest.mark.redis
async def test_two_web_apps_sharing_redis_never_process_one_update_twice(
    settings: Settings,
    any_db: sessionmaker[Session],
    fake_rasa: FakeRasa,
    fake_telegram: FakeTelegram,
    fake_twilio: FakeTwilio,
    redis_namespace: str,
) -> None:
    async def slowish(sender: str, message: str) -> list[dict[str, Any]]:
        await asyncio.sleep(0.05)
        return [{"text": message}]

    fake_rasa.respond = slowish
    store_a = RedisStore(aioredis.from_url(REDIS_URL))
    store_b = RedisStore(aioredis.from_url(REDIS_URL))
    async with (
        running_app(settings, any_db, store=store_a, namespace=redis_namespace) as (_, a),
        running_app(settings, any_db, store=store_b, namespace=redis_namespace) as (_, b),
    ):
        updates = [tg_text_update(BUYER, f"tg {i}") for i in range(5)]
        forms = [wa_form(NUMBER, f"wa {i}") for i in range(5)]
        await asyncio.gather(
            *(post_tg(c, u) for u in updates for c in (a, b)),
            *(post_wa(c, f) for f in forms for c in (a, b)),
        )
        # Each app answers the buyer's next message only after what it queued before it.
        await asyncio.gather(
            *(post_tg(c, tg_text_update(BUYER, f"tg after {n}")) for n, c in (("a", a), ("b", b))),
            *(post_wa(c, wa_form(NUMBER, f"wa after {n}")) for n, c in (("a", a), ("b", b))),
        )
        await fake_telegram.wait_for("sendMessage", 7)
        await fake_twilio.wait_for(7)
        health = await a.get("/healthz")
    await store_a.close()
    await store_b.close()
    controls = ["tg after a", "tg after b", "wa after a", "wa after b"]
    assert sorted(fake_rasa.messages()) == sorted(
        [f"tg {i}" for i in range(5)] + [f"wa {i}" for i in range(5)] + controls
    )
    assert len(fake_telegram.sent()) == 7 and len(fake_twilio.messages) == 7
    assert health.json()["redis"] == "up"


async def test_an_accepted_update_with_no_chat_does_not_hold_the_buyers_next_message(
    settings: Settings,
    sessions: sessionmaker[Session],
    fake_rasa: FakeRasa,
    fake_telegram: FakeTelegram,
) -> None:
    """A button under an inline-mode message has no chat to answer in: it is accepted but
    never handled, so it is marked done and the buyer's next message (which waits for the
    buyer's messages accepted before it) is answered at once, not after order_wait."""
    inline = tg_callback_update(BUYER, "/greet")
    del inline["callback_query"]["message"]
    inline["callback_query"]["inline_message_id"] = "im1"
    async with running_app(settings, sessions) as (_, client):
        assert (await post_tg(client, inline)).status_code == 200
        assert (await post_tg(client, tg_text_update(BUYER, "hello"))).status_code == 200
        await asyncio.wait_for(fake_telegram.wait_for("sendMessage"), 10)
    assert fake_rasa.messages() == ["hello"]
