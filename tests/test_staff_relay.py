"""Talking to a person (tester finding F23): the hand-off notice carries the buyer's message
before it and their latest order; after a hand-off or a staff /reply the buyer's messages,
photos included, go to staff ("Passed to our team."), except shop requests and the way out."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from actions.info import ActionHumanHandoff
from bot.core.conversation import Conversation
from bot.core.messages import Inbound, coordinates
from bot.core.rasa_client import RasaClient, to_reply
from bot.core.relay import Relay, relayed_text, shop_request
from bot.core.state import MemoryStore
from bot.handlers import whatsapp as wa
from bot.staff import route
from catalog import customers, outbox
from catalog.db import transaction
from catalog.models import Customer, Notification, Order
from catalog.refs import ref
from tests.fixtures_channels import FakeRasa
from tests.rasa_support import run, tracker
from tests.staff_support import ADMIN_TG, BUYER_WA, StaffEnv, buyer_order
from tests.test_actions_flow import shop as shop  # noqa: F401 - the action server's database

SECRET = "s" * 32
PHOTO = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"
_ids = itertools.count(1)


def notes(sessions: sessionmaker[Session], kind: str) -> list[Notification]:
    with sessions() as s:
        return list(s.scalars(select(Notification).where(Notification.kind == kind)))


class Shop:
    """A conversation with FakeRasa and the staff handler sharing one relay."""

    def __init__(
        self, env: StaffEnv, fake: FakeRasa, http: httpx.AsyncClient, window: float
    ) -> None:
        store = MemoryStore()
        self.sessions = env.sessions
        self.relay = Relay(store, env.sessions, window=window)
        env.deps.state = store
        env.deps.relay = self.relay
        self.conv = Conversation(
            RasaClient(http, fake.url), store, SECRET, env.sessions,
            staff=route.bind(env.deps), relay=self.relay,
        )  # fmt: skip
        self.fake = fake
        fake.respond = self.rasa

    async def rasa(self, sender: str, message: str) -> list[dict[str, Any]]:
        """As the action server: "kisi se baat karni hai" is a hand-off, the rest echoed."""
        if message == "kisi se baat karni hai":
            with transaction(self.sessions) as s:
                outbox.handoff(s, customers.by_sender(s, sender), message)
            return [
                {"custom": {"text": "Aapka message hamari team ko bhej diya hai", "handoff": True}}
            ]
        return [{"text": f"bot: {message}"}]

    async def say(self, text: str, *, user: str = BUYER_WA, channel: str = "whatsapp",
                  media: str | None = None, payload: str | None = None,
                  message_id: str | None = None) -> list[str] | None:  # fmt: skip
        inbound = Inbound(
            channel=channel, user_id=user, message_id=message_id or f"m{next(_ids)}", text=text,
            media_url=media, media_type="image/jpeg" if media else None,
            button_payload=payload, numbered=channel == "whatsapp",
        )  # fmt: skip
        replies = await self.conv.handle(inbound)
        return None if replies is None else [r.text for r in replies]

    def buyer(self) -> Customer:
        with self.sessions() as s:
            sid = customers.sender_id("whatsapp", BUYER_WA, SECRET)
            found = customers.find(s, sid)
            assert found is not None
            return found

    def speak(self, language: str) -> None:
        with transaction(self.sessions) as s:
            customers.set_language(s, customers.sender_id("whatsapp", BUYER_WA, SECRET), language)


@pytest.fixture
async def env(staff_env: StaffEnv, fake_rasa: FakeRasa):  # type: ignore[no-untyped-def]
    async with httpx.AsyncClient() as http:
        yield Shop(staff_env, fake_rasa, http, window=30 * 60.0)


async def test_after_a_handoff_the_buyers_messages_and_photo_go_to_staff(env: Shop) -> None:
    assert await env.say("mera parcel damaged aaya") == ["bot: mera parcel damaged aaya"]
    env.speak("hi-Latn")
    assert await env.say("kisi se baat karni hai") == ["Aapka message hamari team ko bhej diya hai"]
    bid = env.buyer().id
    asked = len(env.fake.calls)
    said = await env.say("ye dekho photo, kinara phata hua hai", media=PHOTO)
    assert said == ["Hamari team ko bhej diya. (Shopping ke liye menu likhiye.)"]
    assert len(env.fake.calls) == asked  # the bot never saw it
    (note,) = notes(env.sessions, "relay")  # the admin, as the hand-off went
    assert note.text == (
        f"Buyer #{bid}: ye dekho photo, kinara phata hua hai [photo: {PHOTO}] "
        f"Answer with /reply #{bid} your message"
    )
    (told,) = notes(env.sessions, "handoff")
    assert note.staff_id == told.staff_id
    # a photo alone, in order after the text
    assert await env.say("", media=PHOTO) == [
        "Hamari team ko bhej diya. (Shopping ke liye menu likhiye.)"
    ]
    assert [n.text.split(": ", 1)[1] for n in notes(env.sessions, "relay")] == [
        f"ye dekho photo, kinara phata hua hai [photo: {PHOTO}] Answer with /reply #{bid} your message",
        f"[photo: {PHOTO}] Answer with /reply #{bid} your message",
    ]


async def test_a_location_shared_while_staff_handle_the_buyer_reaches_them(env: Shop) -> None:
    """Issue 12: a map pin during a hand-off got the "please type the address" answer and
    never reached staff; now it is relayed as a maps link to the pin."""
    env.speak("hi-Latn")
    await env.say("kisi se baat karni hai")
    bid = env.buyer().id
    asked = len(env.fake.calls)
    pin = wa.to_inbound({"From": f"whatsapp:{BUYER_WA}", "MessageSid": "loc1", "Body": "",
                         "Latitude": "31.1048", "Longitude": "77.1734"})  # as Twilio posts it
    assert pin.location and pin.coordinates == (31.1048, 77.1734)
    lat, lon = pin.coordinates
    replies = await env.conv.handle(pin)
    assert [r.text for r in replies or []] == [
        "Hamari team ko bhej diya. (Shopping ke liye menu likhiye.)"
    ]
    assert len(env.fake.calls) == asked  # not the bot's
    (note,) = notes(env.sessions, "relay")
    assert note.text == (
        f"Buyer #{bid}: [location: https://www.google.com/maps?q={lat:.6f},{lon:.6f}] "
        f"Answer with /reply #{bid} your message"
    )
    # a pin without readable coordinates still tells staff one was shared
    await env.conv.handle(Inbound("whatsapp", BUYER_WA, "loc2", location=True, numbered=True))
    assert notes(env.sessions, "relay")[-1].text.startswith(f"Buyer #{bid}: [location] ")


async def test_a_staff_reply_opens_the_window_and_a_duplicate_is_relayed_once(env: Shop) -> None:
    assert await env.say("hello") == ["bot: hello"]
    bid = env.buyer().id
    assert await env.say("ye dekho", message_id="x1") == ["bot: ye dekho"]  # no window yet
    assert await env.say(
        f"/reply #{bid} Please send a photo", user=ADMIN_TG, channel="telegram"
    ) == [f"Sent to buyer #{bid}."]
    env.speak("ur")
    assert await env.say("یہ دیکھیں، کنارہ پھٹا ہوا ہے", message_id="u1") == [
        "ہماری ٹیم کو بھیج دیا۔ (خریداری کے لیے menu لکھیں۔)"
    ]
    assert await env.say("یہ دیکھیں، کنارہ پھٹا ہوا ہے", message_id="u1") is None  # a retry
    assert len(notes(env.sessions, "relay")) == 1


async def test_shop_requests_and_buttons_go_to_the_bot_and_menu_ends_the_window(env: Shop) -> None:
    await env.say("kisi se baat karni hai")
    for said, rasa_read in (
        ("cart", "cart"),
        ("checkout", "/checkout"),
        ("order cancel karo",) * 2,
    ):
        assert await env.say(said) == [f"bot: {rasa_read}"]
    assert await env.say("", payload="/view_cart") == ["bot: /view_cart"]
    assert await env.say("thanks, waiting") == ["Passed to our team. (Type menu to shop.)"]
    assert await env.say("Menu") == ["bot: Menu"]
    assert await env.say("thanks, waiting") == ["bot: thanks, waiting"]  # the window is over
    assert len(notes(env.sessions, "relay")) == 1
    await env.say("kisi se baat karni hai")
    assert await env.say("bot") == ["bot: menu"]  # the way out asks the bot for its menu
    assert await env.say("thanks") == ["bot: thanks"]


@pytest.mark.parametrize("word", ["मेनू", "مینو", "बॉट"])
async def test_menu_in_devanagari_or_urdu_ends_the_window(env: Shop, word: str) -> None:
    """ "मेनू" after a hand-off was passed to the team: the vowel signs were stripped with the
    punctuation ("मन")."""
    await env.say("kisi se baat karni hai")
    assert await env.say("thanks, waiting") == ["Passed to our team. (Type menu to shop.)"]
    assert (await env.say(word))[0].startswith("bot: ")
    assert await env.say("thanks, waiting") == ["bot: thanks, waiting"]


async def test_a_number_picking_a_menu_choice_goes_to_the_bot(env: Shop) -> None:
    await env.say("kisi se baat karni hai")
    assert await env.say("2") == ["Passed to our team. (Type menu to shop.)"]  # no menu shown
    env.fake.respond = None  # a bot answer with numbered choices, as after "cart"
    menu = [{"text": "Cart", "buttons": [{"title": "Checkout", "payload": "/checkout"},
                                         {"title": "Empty", "payload": "/clear_cart"}]}]  # fmt: skip

    async def with_menu(sender: str, message: str) -> list[dict[str, Any]]:
        return menu if message == "cart" else [{"text": f"bot: {message}"}]

    env.fake.respond = with_menu
    assert await env.say("cart") == ["Cart"]
    assert await env.say("2") == ["bot: /clear_cart"]
    pay = '/choose_payment{"order_id": 7, "method": "upi_qr"}'
    menu[:] = [{"text": "How will you pay?", "buttons": [{"title": "UPI", "payload": pay}]}]
    assert await env.say("cart") == ["How will you pay?"]
    assert await env.say("upi") == [f"bot: {pay}"]  # a typed method word picks the option too


async def test_a_kept_photo_is_relayed_as_its_link(
    staff_env: StaffEnv, fake_rasa: FakeRasa
) -> None:
    kept: list[str] = []

    async def keep(inbound: Inbound) -> str | None:
        assert inbound.media_url is not None
        kept.append(inbound.media_url)
        return "https://shop.example/media/ab12.jpg"

    async with httpx.AsyncClient() as http:
        env = Shop(staff_env, fake_rasa, http, window=60.0)
        env.relay.keep_photo = keep
        await env.say("kisi se baat karni hai")
        await env.say("kinara phata hua", media=PHOTO)
        (note,) = notes(env.sessions, "relay")
    assert kept == [PHOTO]
    assert note.text.startswith(
        f"Buyer #{env.buyer().id}: kinara phata hua [photo: https://shop.example/media/ab12.jpg] "
    )


async def test_the_window_ends_by_itself(staff_env: StaffEnv, fake_rasa: FakeRasa) -> None:
    async with httpx.AsyncClient() as http:
        env = Shop(staff_env, fake_rasa, http, window=0.2)
        await env.say("kisi se baat karni hai")
        assert await env.say("photo bhejta hoon") == ["Passed to our team. (Type menu to shop.)"]
        await asyncio.sleep(0.3)
        assert await env.say("photo bhejta hoon") == ["bot: photo bhejta hoon"]


def test_what_the_core_reads_and_relays() -> None:
    assert coordinates("31.104815", "77.173403") == (31.104815, 77.173403)
    assert coordinates("91", "0") is None and coordinates("", "1") is None
    assert coordinates("nan", "1") is None and coordinates(None, None) is None
    where = Inbound("telegram", "1", "2", text="yahan", location=True, coordinates=(31.1, 77.17))
    assert relayed_text(where) == "yahan [location: https://www.google.com/maps?q=31.100000,77.170000]"
    reply = to_reply({"custom": {"text": "passed", "handoff": True}})
    assert reply is not None and reply.handoff and reply.text == "passed"
    assert not to_reply({"text": "hi"}).handoff  # type: ignore[union-attr]
    assert shop_request("cart") and shop_request("कार्ट दिखाओ") and shop_request("order cancel karo")
    assert not shop_request("kinara phata hua hai, cancel nahi karna, badal do")
    assert not shop_request("ye dekho photo")
    tg = Inbound(
        channel="telegram", user_id="1", message_id="1", text="dekho", media_url="AgAC-file-id"
    )
    assert relayed_text(tg) == "dekho [photo]"  # a Telegram file id only the bot can fetch


async def test_handoff_notice_has_the_message_before_and_the_latest_order(shop) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from catalog.staff import add as add_staff

    with transaction(shop) as s:
        add_staff(s, "telegram", "111", role="admin", jail_code=None)
    oid = buyer_order(shop, "KS-101", sid="buyer-1")
    with transaction(shop) as s:
        s.get(Order, oid).status = "shipped"  # type: ignore[union-attr]
    events = [
        {"event": "user", "text": "mera parcel damaged aaya", "timestamp": 1000.0, "metadata": {}},
        {"event": "bot", "text": "Sorry, I did not get that.", "timestamp": 1001.0},
        {"event": "user", "text": "kisi se baat karni hai", "timestamp": 1060.0, "metadata": {}},
    ]
    _, msgs = await run(
        ActionHumanHandoff(),
        tracker("kisi se baat karni hai", intent="human_handoff", events=events),
    )
    assert msgs[0]["custom"]["handoff"] is True
    with shop() as s:
        note = s.scalars(select(Notification).where(Notification.kind == "handoff")).one()
        bid = customers.find(s, "buyer-1").id  # type: ignore[union-attr]
    assert note.text == (
        f'Buyer #{bid} asks for a person: kisi se baat karni hai (before that: "mera parcel '
        f'damaged aaya"; latest order {ref(oid)} shipped) Answer with /reply #{bid} your message'
    )


async def test_an_old_message_before_is_left_out(shop) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from catalog.staff import add as add_staff

    with transaction(shop) as s:
        add_staff(s, "telegram", "111", role="admin", jail_code=None)
    events = [
        {"event": "user", "text": "shawl dikhao", "timestamp": 1000.0},
        {"event": "user", "text": "/human_handoff", "timestamp": 9000.0},
    ]
    await run(
        ActionHumanHandoff(), tracker("/human_handoff", intent="human_handoff", events=events)
    )
    with shop() as s:
        note = s.scalars(select(Notification).where(Notification.kind == "handoff")).one()
    assert "before that" not in note.text and "latest order" not in note.text
    assert "(pressed 'talk to a person')" in note.text


async def test_the_window_is_shared_through_redis(seeded: sessionmaker[Session]) -> None:
    """Two web apps on one Redis: a window one opens, the other sees; it ends by itself."""
    import uuid

    from bot.core.state import RedisStore, redis_client
    from tests.conftest import REDIS_URL, unavailable

    one, two = RedisStore(redis_client(REDIS_URL)), RedisStore(redis_client(REDIS_URL))
    try:
        await one.redis.ping()
    except Exception as exc:  # noqa: BLE001
        unavailable("Redis", exc)
    namespace = f"t-{uuid.uuid4().hex[:8]}"
    try:
        opened = Relay(one, seeded, namespace, window=0.3)
        seen = Relay(two, seeded, namespace, window=0.3)
        await opened.open("wa-buyer")
        assert await seen.is_open("wa-buyer") and not await seen.is_open("other")
        await asyncio.sleep(0.5)
        assert not await seen.is_open("wa-buyer")
    finally:
        await one.close()
        await two.close()
