"""Every staff command through the web app, on Telegram and on WhatsApp, with the channel fakes.

Telegram updates are posted to /telegram/webhook and answered through the fake Bot API
(python-telegram-bot); Twilio-signed forms are posted to /whatsapp/webhook and answered
through the fake Twilio API (twilio client). Each test runs once per channel and checks the
one-line reply, the database, and that no staff message ever reached (the fake) Rasa.
"""

from __future__ import annotations

import base64
import itertools
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.ops.serving import Running, serve
from bot.ops.settings import Settings
from catalog import customers, phones, photos
from catalog.db import make_sessionmaker
from catalog.models import (
    AuditEntry,
    Notification,
    Order,
    OrderStatus,
    Payment,
    StockMove,
    utcnow,
)
from catalog.refs import ref
from tests.fixtures_channels import FakeRasa, FakeTelegram, FakeTwilio, stop_fake, wait_until
from tests.staff_support import (
    BUYER_TG,
    BUYER_WA,
    DELIVERY,
    JPEG,
    KND_TG,
    KND_WA,
    NHN_TG,
    NHN_WA,
    PNG,
    StaffEnv,
    buyer_order,
    variant,
)
from tests.web_support import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    PUBLIC,
    post_tg,
    post_wa,
    running_app,
    settings_for,
    tg_text_update,
    wa_form,
)

_ids = itertools.count(1)
TEMPLATE = "HX" + "2" * 32


# --- Fakes for attached photos ------------------------------------------------------------


@dataclass
class FilesTelegram(FakeTelegram):
    """The fake Bot API plus ``getFile`` and the file download a staff photo needs."""

    files: dict[str, bytes] = field(default_factory=dict)  # file_id -> bytes

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getFile":
            fid = str(params["file_id"])
            return {
                "file_id": fid,
                "file_unique_id": fid[-12:],
                "file_size": len(self.files.get(fid, b"")),
                "file_path": f"photos/{fid}.jpg",
            }
        return super()._result(method, params)

    async def download(self, request: Request) -> Response:
        fid = request.path_params["path"].removeprefix("photos/").removesuffix(".jpg")
        if fid not in self.files:
            return PlainTextResponse("no such file", status_code=404)
        return Response(self.files[fid], media_type="image/jpeg")


@dataclass
class TwilioMedia:
    """Twilio's media URLs (``MediaUrl0``): the attached images, and the auth each fetch gave."""

    files: dict[str, bytes] = field(default_factory=dict)
    fetched: list[str | None] = field(default_factory=list)  # Authorization headers
    running: Running | None = None

    def put(self, data: bytes) -> str:
        assert self.running is not None
        mid = f"ME{len(self.files):032d}"
        self.files[mid] = data
        return f"{self.running.url}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/SM1/Media/{mid}"

    async def get(self, request: Request) -> Response:
        self.fetched.append(request.headers.get("authorization"))
        data = self.files.get(request.path_params["mid"])
        if data is None:
            return PlainTextResponse("not found", status_code=404)
        return Response(data, media_type="image/png")


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FilesTelegram]:
    """Replaces the channel tests' fake with one that also serves files."""
    fake = FilesTelegram()
    app = Starlette(
        routes=[
            Route("/bot{token}/{method}", fake.endpoint, methods=["GET", "POST"]),
            Route("/file/bot{token}/{path:path}", fake.download, methods=["GET"]),
        ]
    )
    fake.running = await serve(app)
    yield fake
    await stop_fake(fake.running)


@pytest.fixture
async def twilio_media() -> AsyncIterator[TwilioMedia]:
    fake = TwilioMedia()
    path = "/2010-04-01/Accounts/{account}/Messages/{sid}/Media/{mid}"
    fake.running = await serve(Starlette(routes=[Route(path, fake.get, methods=["GET"])]))
    yield fake
    await stop_fake(fake.running)


# --- The shop: the web app and the chats of staff and a buyer on one channel --------------


@dataclass
class Shop:
    channel: str
    settings: Settings
    env: StaffEnv
    rasa: FakeRasa
    telegram: FilesTelegram
    twilio: FakeTwilio
    media: TwilioMedia
    client: httpx.AsyncClient = field(init=False)  # set once the app runs

    @property
    def tg(self) -> bool:
        return self.channel == "telegram"

    @property
    def staff(self) -> str:
        return KND_TG if self.tg else KND_WA

    @property
    def other_jail(self) -> str:
        return NHN_TG if self.tg else NHN_WA

    @property
    def buyer(self) -> str:
        return BUYER_TG if self.tg else BUYER_WA

    def forms(self, word: str, alias: str | None = None) -> list[str]:
        """How staff type a command word: Telegram with the slash, WhatsApp with or without."""
        hindi = [] if alias is None else [f"/{alias}" if self.tg else alias]
        return ([f"/{word}"] if self.tg else [f"/{word}", word]) + hindi

    def pseudonym(self, user: str) -> str:
        return customers.sender_id(
            self.channel, user, self.settings.sender_secret.get_secret_value()
        )

    def inbox(self, user: str) -> list[str]:
        """Texts (captions, template text) the bot sent to ``user`` on this channel, in order."""
        if self.tg:
            return [
                p.get("text") or p.get("caption") or ""
                for m, p in self.telegram.calls
                if m in ("sendMessage", "sendPhoto") and str(p.get("chat_id")) == user
            ]
        return [
            m.get("Body") or json.loads(m.get("ContentVariables") or "{}").get("1", "")
            for m in self.twilio.messages
            if m["To"] == f"whatsapp:{user}"
        ]

    def attach(self, data: bytes) -> str:
        """Make an image available as the channel delivers it: a file id or a media URL."""
        if self.tg:
            fid = f"AgACphoto{next(_ids)}"
            self.telegram.files[fid] = data
            return fid
        return self.media.put(data)

    async def send(self, text: str, user: str | None = None, photo: str | None = None) -> None:
        user = user or self.staff
        if self.tg:
            update = tg_text_update(int(user), text)
            if photo is not None:
                message = update["message"]
                del message["text"]
                message["caption"] = text
                message["photo"] = [  # smallest first, as Telegram sends them
                    {"file_id": "small", "file_unique_id": "s", "width": 90, "height": 90},
                    {"file_id": photo, "file_unique_id": "l", "width": 800, "height": 800},
                ]
            resp = await post_tg(self.client, update)
        else:
            form = wa_form(user, text)
            if photo is not None:
                form |= {"NumMedia": "1", "MediaUrl0": photo, "MediaContentType0": "image/png"}
            resp = await post_wa(self.client, form)
        assert resp.status_code == 200

    async def say(self, text: str, user: str | None = None, photo: str | None = None) -> str:
        """Send one message and return the one reply; staff messages must not reach Rasa."""
        user = user or self.staff
        seen = len(self.inbox(user))
        await self.send(text, user, photo)
        await wait_until(lambda: len(self.inbox(user)) > seen, f"the reply to {text!r}")
        [reply] = self.inbox(user)[seen:]
        if user != self.buyer:
            assert self.rasa.messages(self.pseudonym(user)) == []
        return reply

    async def received(self, user: str, fragment: str) -> str:
        """Wait for a message to ``user`` containing ``fragment`` (a notification)."""
        await wait_until(lambda: any(fragment in t for t in self.inbox(user)), repr(fragment))
        return next(t for t in self.inbox(user) if fragment in t)

    async def buyer_order(self, sku: str = "KS-101", quantity: int = 1) -> int:
        """A buyer who has chatted on this channel orders; the staff get the new-order alert."""
        if not self.inbox(self.buyer):
            assert await self.say("hi", self.buyer) == "echo: hi"
        oid = buyer_order(self.env.sessions, sku, quantity, sid=self.pseudonym(self.buyer))
        await self.received(self.staff, f"New order {ref(oid)}:")
        return oid

    def order(self, oid: int) -> Order:
        with self.env.sessions() as s:
            order = s.get(Order, oid)
            assert order is not None
            return order


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    """SQLite and PostgreSQL (``engine`` is parametrized): staff work on the production database."""
    return make_sessionmaker(engine)


@pytest.fixture(params=["telegram", "whatsapp"])
def channel(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def closed_shop(
    channel: str,
    staff_env: StaffEnv,
    fake_rasa: FakeRasa,
    fake_telegram: FilesTelegram,
    fake_twilio: FakeTwilio,
    twilio_media: TwilioMedia,
    engine: Engine,
) -> Shop:
    settings = settings_for(
        engine.url.render_as_string(hide_password=False),
        fake_rasa,
        fake_telegram,
        fake_twilio,
        KAARIGAR_MEDIA_DIR=str(staff_env.deps.media_dir),
        TWILIO_NOTIFY_CONTENT_SID=TEMPLATE,  # notifications outside the 24-hour window
    )
    return Shop(channel, settings, staff_env, fake_rasa, fake_telegram, fake_twilio, twilio_media)


@asynccontextmanager
async def opened(shop: Shop, outbox: bool) -> AsyncIterator[Shop]:
    interval = 0.05 if outbox else None
    async with running_app(shop.settings, shop.env.sessions, outbox_interval=interval) as (
        _,
        client,
    ):
        shop.client = client
        yield shop


@pytest.fixture
async def shop(closed_shop: Shop) -> AsyncIterator[Shop]:
    """The web app without the outbox: notifications stay in the database."""
    async with opened(closed_shop, outbox=False) as s:
        yield s


@pytest.fixture
async def shop_outbox(closed_shop: Shop) -> AsyncIterator[Shop]:
    """The web app delivering notifications (new orders, shipped, cancelled, low stock)."""
    async with opened(closed_shop, outbox=True) as s:
        yield s


def last(model: type[StockMove] | type[AuditEntry], env: StaffEnv) -> Any:
    with env.sessions() as s:
        return s.scalars(select(model).order_by(model.id.desc())).first()


# --- Stock, price, sales ------------------------------------------------------------------


async def test_stock(shop: Shop) -> None:
    before = 12
    for n, cmd in zip((25, 20, 18), shop.forms("stock", "स्टॉक"), strict=False):
        assert await shop.say(f"{cmd} KS-101 {n}") == f"KS-101 stock {before} → {n}."
        assert shop.env.product("KS-101").stock == n
        move = last(StockMove, shop.env)
        assert (move.delta, move.stock_after, move.reason) == (n - before, n, "count")
        assert last(AuditEntry, shop.env).channel == shop.channel
        before = n


async def test_restock(shop: Shop) -> None:
    stock = 12
    for cmd in shop.forms("restock"):
        assert await shop.say(f"{cmd} KS-101 +5 found in store") == (
            f"KS-101 stock +5 → {stock + 5} (found in store)."
        )
        assert (
            await shop.say(f"{cmd} ks-101 -2 damaged")
            == f"KS-101 stock -2 → {stock + 3} (damaged)."
        )
        stock += 3
        assert shop.env.product("KS-101").stock == stock
        assert last(StockMove, shop.env).reason == "damaged"


async def test_price(shop: Shop) -> None:
    before = "₹2,400"
    for rupees, cmd in zip((2600, 2650, 2700), shop.forms("price", "कीमत"), strict=False):
        after = f"₹{rupees:,}"
        assert await shop.say(f"{cmd} KS-101 {rupees}") == f"KS-101 price {before} → {after}."
        assert shop.env.product("KS-101").price_minor == rupees * 100
        entry = last(AuditEntry, shop.env)
        assert (entry.action, entry.channel) == ("price", shop.channel)
        before = after


async def test_sold(shop: Shop) -> None:
    stock = 12
    for cmd in shop.forms("sold", "bika"):
        stock -= 2
        assert await shop.say(f"{cmd} KS-101 2") == f"Sold 2 x KS-101 (₹4,800); stock now {stock}."
        assert shop.env.product("KS-101").stock == stock
    with shop.env.sessions() as s:
        sales = list(s.scalars(select(Order)))
    assert len(sales) == len(shop.forms("sold", "bika"))
    assert {(o.status, o.payment_method, o.total_minor) for o in sales} == {
        (OrderStatus.DELIVERED, "offline", 480000)
    }


async def test_hide_and_show(shop: Shop) -> None:
    for hide, show in zip(shop.forms("hide", "छुपाओ"), shop.forms("show", "दिखाओ"), strict=True):
        assert await shop.say(f"{hide} KS-101") == "KS-101 is hidden from buyers."
        assert shop.env.product("KS-101").active is False
        assert await shop.say(f"{show} KS-101") == "KS-101 is on sale again."
        assert shop.env.product("KS-101").active is True


# --- Photos and the guided /add -----------------------------------------------------------


async def test_photo_from_the_channel_is_stored_and_served(shop: Shop) -> None:
    for i, cmd in enumerate(shop.forms("photo", "फोटो")):
        image = variant(PNG, i)
        reply = await shop.say(f"{cmd} KS-101", photo=shop.attach(image))
        assert reply == "Photo set for KS-101."
        name = shop.env.product("KS-101").photo
        assert name is not None and photos.is_stored(name)
        assert (shop.env.deps.media_dir / name).read_bytes() == image
        served = await shop.client.get(f"/media/{name}")
        assert (served.status_code, served.content) == (200, image)
        assert served.headers["content-type"] == "image/png"
    if not shop.tg:  # Twilio's media URLs need the account's credentials
        basic = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
        assert shop.media.fetched == [f"Basic {basic}"] * len(shop.forms("photo", "फोटो"))


async def test_photo_without_an_image_asks_for_one(shop: Shop) -> None:
    before = shop.env.snapshot()
    assert await shop.say("/photo KS-101") == (
        "Attach a photo to the message: send the photo now, or with the caption /photo KS-101."
    )
    assert shop.env.product("KS-101").photo is None and shop.env.snapshot() == before


async def test_add_guided_flow_with_a_photo(shop: Shop) -> None:
    for n, cmd in enumerate(shop.forms("add", "naya"), start=1):
        sku, name = f"KND-{100 + n}", f"Himachali Cap {n}"
        assert await shop.say(cmd) == "New product for KND. Name? (/cancel to stop)"
        assert (await shop.say(name)).startswith("Category? handloom")
        assert await shop.say("handloom") == "Price? (e.g. 450)"
        assert await shop.say("450") == "How many in stock?"
        assert await shop.say("10") == "Send a photo, or 'skip'."
        reply = await shop.say("", photo=shop.attach(variant(JPEG, n)))
        assert reply == f"Added {sku} {name}, ₹450, stock 10. /undo removes it."
        p = shop.env.product(sku)
        assert (p.name, p.category, p.price_minor, p.stock, p.active) == (
            name,
            "handloom",
            45000,
            10,
            True,
        )
        assert p.photo is not None
        assert (shop.env.deps.media_dir / p.photo).read_bytes() == variant(JPEG, n)


# --- Orders -------------------------------------------------------------------------------


async def test_orders_lists_the_jails_orders(shop_outbox: Shop) -> None:
    shop = shop_outbox
    oid = await shop.buyer_order("KS-101", 2)
    before = shop.env.snapshot()
    for cmd in shop.forms("orders", "ऑर्डर"):
        assert await shop.say(cmd) == f"{ref(oid)} placed ₹4,800 2xKS-101"
    assert await shop.say(f"{shop.forms('orders')[-1]} shipped") == "No shipped orders."
    assert shop.env.snapshot() == before


async def test_order_shows_what_to_pack_and_where_to_send_it(
    shop: Shop, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="bot")
    caplog.set_level(logging.DEBUG, logger="catalog")
    oid = buyer_order(shop.env.sessions, "KS-101", 2, sid=shop.pseudonym(shop.buyer))
    before = shop.env.snapshot()
    for cmd in shop.forms("order", "ऑर्डर"):
        lines = (await shop.say(f"{cmd} {oid}")).splitlines()
        assert lines[0].startswith(f"Order {ref(oid)} KND, placed, ₹4,800 (cod), ")
        assert lines[1] == "2 x KS-101 Kullu Shawl (Wool) @ ₹2,400"
        assert lines[2] == f"Deliver to: {DELIVERY.name}, {phones.shown(DELIVERY.phone)}"
        assert lines[3] == f"{DELIVERY.address}, {DELIVERY.postal_code}, India"
    assert shop.env.snapshot() == before
    # Only the jail's staff see it; the address never reaches a log.
    refused = await shop.say(f"/order {oid}", shop.other_jail)
    assert refused == f"Order {ref(oid)} belongs to another jail; nothing changed."
    assert await shop.say(f"/order {oid}", shop.buyer) == f"echo: /order {oid}"
    assert DELIVERY.address not in caplog.text and DELIVERY.phone not in caplog.text
    assert phones.shown(DELIVERY.phone) not in caplog.text


async def test_ship_tells_the_buyer(shop_outbox: Shop) -> None:
    shop = shop_outbox
    for n, cmd in enumerate(shop.forms("ship", "bhejo")):
        oid = await shop.buyer_order()
        track = f"EE12345678{n}IN"
        assert await shop.say(f"{cmd} {oid} {track}") == (
            f"Order {ref(oid)} shipped (tracking {track}); the buyer will be told in about 10 minutes (until then, /undo takes it back)."
        )
        order = shop.order(oid)
        assert (order.status, order.tracking) == (OrderStatus.SHIPPED, track)
        # held for the undo window (F21): the web app sends it once that has passed
        with shop.env.sessions() as s, s.begin():
            note = s.scalars(select(Notification).where(Notification.kind == "shipped",
                                                        Notification.sent_at.is_(None))).one()
            after = note.send_after
            assert after is not None
            assert (after if after.tzinfo else after.replace(tzinfo=UTC)) > utcnow()  # SQLite: no zone
            note.send_after = utcnow() - timedelta(seconds=1)
        told = await shop.received(shop.buyer, f"order {ref(oid)} has been shipped")
        assert told == f"Your Kaarigar order {ref(oid)} has been shipped. Tracking: {track}."


async def test_paid(shop_outbox: Shop) -> None:
    shop = shop_outbox
    for cmd in shop.forms("paid", "bhugtan"):
        oid = await shop.buyer_order()
        assert await shop.say(f"{cmd} #{oid}") == f"Order {ref(oid)} marked paid."
        assert shop.order(oid).status == OrderStatus.PAID


async def test_paid_with_a_utr_then_cancel_and_refund(shop_outbox: Shop) -> None:
    shop = shop_outbox
    utr = "412345678901"
    paid, refund = shop.forms("paid")[-1], shop.forms("refund")[-1]  # WhatsApp: no slash
    oid = await shop.buyer_order()
    assert await shop.say(f"{paid} {oid} {utr}") == f"Order {ref(oid)} marked paid (UTR {utr})."
    receipt = await shop.received(shop.buyer, f"Payment received for Kaarigar order {ref(oid)}")
    assert f"Ref: {utr}" in receipt
    reply = await shop.say(f"/cancel {oid} damaged in the loom")
    assert reply.endswith(f"the buyer will be told; refund due: /refund {ref(oid)}")
    assert await shop.say(f"{refund} {oid}") == (
        f"Order {ref(oid)}: refund of ₹2,400 recorded; the buyer will be told."
    )
    told = await shop.received(shop.buyer, "We have refunded")
    assert told == f"We have refunded ₹2,400 for Kaarigar order {ref(oid)}."
    with shop.env.sessions() as s:
        payment = s.scalars(select(Payment).where(Payment.order_id == oid)).one()
        assert (payment.status, payment.external_id, payment.refund_due) == ("refunded", utr, False)
    entry = last(AuditEntry, shop.env)
    assert (entry.action, entry.channel) == ("refunded", shop.channel)


async def test_cancel_returns_stock_and_tells_the_buyer(shop_outbox: Shop) -> None:
    shop = shop_outbox
    for cmd in shop.forms("cancel", "radd"):
        oid = await shop.buyer_order("KS-101", 2)
        assert shop.env.product("KS-101").stock == 10
        assert await shop.say(f"{cmd} {oid} out of wool") == (
            f"Order {ref(oid)} cancelled; 2 back in stock; the buyer will be told."
        )
        order = shop.order(oid)
        assert (order.status, order.cancel_reason) == (OrderStatus.CANCELLED, "out of wool")
        assert shop.env.product("KS-101").stock == 12
        told = await shop.received(shop.buyer, f"order {ref(oid)} was cancelled")
        assert told == (
            f"Your Kaarigar order {ref(oid)} was cancelled (out of wool). Any payment will be refunded."
        )


# --- Low stock, report, undo, help --------------------------------------------------------


async def test_lowstock(shop: Shop) -> None:
    assert await shop.say("/stock KS-102 1") == "KS-102 stock 5 → 1."
    before = shop.env.snapshot()
    for cmd in shop.forms("lowstock", "kam"):
        reply = await shop.say(cmd)
        assert "KS-102 1 left (alert 2) Kullu Shawl (Pashmina blend)" in reply.splitlines()
        assert "KS-103" not in reply  # Nahan's
    assert shop.env.snapshot() == before


async def test_low_stock_alert_reaches_the_staff_by_itself(shop_outbox: Shop) -> None:
    shop = shop_outbox
    await shop.send("/sold KS-102 3")  # 5 -> 2: at the alert threshold of 2
    reply = await shop.received(shop.staff, "Sold 3")
    alert = await shop.received(shop.staff, "Low stock:")
    assert reply == "Sold 3 x KS-102 (₹12,600); stock now 2."
    assert alert.startswith("Low stock: KS-102 Kullu Shawl (Pashmina blend) has 2 left")
    assert sorted(shop.inbox(shop.staff)) == sorted([reply, alert])
    with shop.env.sessions() as s:
        alerts = s.scalars(select(Notification).where(Notification.kind == "low_stock")).all()
    assert len(alerts) == 2  # Kanda's two staff members, nobody else


async def test_report(shop: Shop) -> None:
    assert await shop.say("/sold KS-101 2") == "Sold 2 x KS-101 (₹4,800); stock now 10."
    before = shop.env.snapshot()
    for cmd in shop.forms("report", "रिपोर्ट"):
        lines = (await shop.say(cmd)).splitlines()
        assert lines[0].startswith("Report KND, ") and "2 units ₹4,800" in lines[0]
        assert "KS-101 2 x ₹4,800" in lines
    assert await shop.say("/report 2020-01") == "Report KND, 2020-01: no sales"
    assert shop.env.snapshot() == before


async def test_undo(shop: Shop) -> None:
    for cmd in shop.forms("undo", "wapas"):
        assert await shop.say("/price KS-101 2600") == "KS-101 price ₹2,400 → ₹2,600."
        assert await shop.say(cmd) == "Undone: KS-101 price back to ₹2,400."
        assert shop.env.product("KS-101").price_minor == 240000
    assert await shop.say("/undo") == "Can't undo: there is nothing of yours to undo."
    assert shop.env.product("KS-101").price_minor == 240000


async def test_help(shop: Shop) -> None:
    before = shop.env.snapshot()
    for cmd in shop.forms("help", "madad"):
        reply = await shop.say(cmd)
        assert reply.startswith("Staff commands (KND): /stock /restock /price /sold /photo")
        assert "/order " in reply and "/undo" in reply and "/rate" not in reply
    assert shop.env.snapshot() == before


# --- Who may ------------------------------------------------------------------------------


async def test_buyer_sending_staff_commands_gets_the_buyers_answer(shop: Shop) -> None:
    oid = buyer_order(shop.env.sessions, "KS-101", 1, sid=shop.pseudonym(shop.buyer))
    before = shop.env.snapshot()
    texts = [
        "/stock KS-101 0",
        "/price KS-101 1",
        "/sold KS-101 2",
        "/hide KS-101",
        f"/ship {oid}",
        f"/cancel {oid} mine",
        f"/order {oid}",
        "/add",
        "/help",
    ]
    if not shop.tg:
        texts += [t.lstrip("/") for t in texts]
    for text in texts:
        assert await shop.say(text, shop.buyer) == f"echo: {text}"  # Rasa answered
    image = shop.attach(PNG)
    assert await shop.say("/photo KS-101", shop.buyer, photo=image) == "echo: /photo KS-101"
    assert shop.rasa.messages(shop.pseudonym(shop.buyer)) == [*texts, "/photo KS-101"]
    assert shop.env.snapshot() == before
    assert shop.order(oid).status == OrderStatus.PLACED
    p = shop.env.product("KS-101")
    assert (p.stock, p.price_minor, p.active, p.photo) == (11, 240000, True, None)
    assert shop.media.fetched == [] and not shop.telegram.sent("getFile")


async def test_another_jails_staff_is_refused(shop: Shop) -> None:
    oid = buyer_order(shop.env.sessions, "KS-101", 1, sid=shop.pseudonym(shop.buyer))
    before = shop.env.snapshot()
    for text in ("/stock KS-101 0", "/price KS-101 100", "/sold KS-101 1", "/hide KS-101"):
        assert (await shop.say(text, shop.other_jail)).startswith(
            "KS-101 belongs to another jail; nothing changed."
        )
    photo = await shop.say("/photo KS-101", shop.other_jail, photo=shop.attach(PNG))
    assert photo.startswith("KS-101 belongs to another jail; nothing changed.")
    for text in (f"/ship {oid}", f"/paid {oid}", f"/cancel {oid} mine now", f"/order {oid}"):
        assert await shop.say(text, shop.other_jail) == (
            f"Order {ref(oid)} belongs to another jail; nothing changed."
        )
    assert shop.env.snapshot() == before
    assert shop.order(oid).status == OrderStatus.PLACED
    p = shop.env.product("KS-101")
    assert (p.stock, p.price_minor, p.active, p.photo) == (11, 240000, True, None)
    assert not shop.env.deps.media_dir.exists() or not any(shop.env.deps.media_dir.iterdir())
    assert shop.rasa.calls == []  # nothing from Nahan's staff, or anyone, reached Rasa


# --- Stored photos reach buyers by URL ----------------------------------------------------


async def test_stored_photo_reaches_the_buyer_as_a_public_media_url(shop: Shop) -> None:
    assert await shop.say("/photo KS-101", photo=shop.attach(JPEG)) == "Photo set for KS-101."
    name = shop.env.product("KS-101").photo
    assert name is not None

    async def details(sender: str, message: str) -> list[dict[str, Any]]:
        # What action_product_details sends: the product's photo as stored.
        return [{"text": "Kullu Shawl (Wool) ₹2,400", "image": name}]

    shop.rasa.respond = details
    assert await shop.say("kullu shawl", shop.buyer) == "Kullu Shawl (Wool) ₹2,400"
    url = f"{PUBLIC}/media/{name}"
    if shop.tg:
        assert [p["photo"] for p in shop.telegram.sent("sendPhoto")] == [url]
    else:
        assert [m["MediaUrl"] for m in shop.twilio.messages if m["MediaUrl"]] == [[url]]
    fetched = await shop.client.get(url.removeprefix(PUBLIC))
    assert (fetched.status_code, fetched.content) == (200, JPEG)


@pytest.mark.parametrize("channel", ["telegram"])
async def test_media_route_serves_only_stored_photos(shop: Shop) -> None:
    media_dir = shop.env.deps.media_dir
    name = photos.store(PNG, media_dir)
    (media_dir / "notes.txt").write_text("secret")
    (media_dir / "a.b.png").write_bytes(PNG)
    (media_dir.parent / "outside.png").write_bytes(PNG)
    ok = await shop.client.get(f"/media/{name}")
    assert (ok.status_code, ok.content, ok.headers["content-type"]) == (200, PNG, "image/png")
    for path in (
        "/media/notes.txt",
        "/media/a.b.png",
        "/media/missing.png",
        "/media/..%2Foutside.png",
        "/media/../outside.png",
        "/media/%2e%2e/outside.png",
        "/media/",
        f"/media/{name}/x",
    ):
        assert (await shop.client.get(path)).status_code == 404, path
    assert (await shop.client.post(f"/media/{name}")).status_code == 405


# --- Answering a buyer who asked for a person, a buyer's cancel ----------------------------


def _no_admins_then_handoff(shop: Shop) -> int:
    """Remove the admin (so every staff member is told, as handoff routes it), then the
    buyer who chatted on this channel asks for a person; their number."""
    from catalog import outbox
    from catalog.db import transaction
    from catalog.models import Customer, Staff

    with transaction(shop.env.sessions) as s:
        for admin in s.scalars(select(Staff).where(Staff.role == "admin")):
            s.delete(admin)
        buyer = s.scalars(
            select(Customer).where(Customer.sender_id == shop.pseudonym(shop.buyer))
        ).one()
        outbox.handoff(s, buyer, "i want to talk to customer care")
        s.flush()
        return buyer.id


async def test_reply_reaches_the_buyer_on_their_channel(shop_outbox: Shop) -> None:
    shop = shop_outbox
    assert await shop.say("hi", shop.buyer) == "echo: hi"
    bid = _no_admins_then_handoff(shop)
    asked = await shop.received(shop.staff, f"Buyer #{bid} asks for a person")
    assert asked.endswith(f"Answer with /reply #{bid} your message")
    for n, cmd in enumerate(shop.forms("reply", "jawab")):
        assert await shop.say(f"{cmd} #{bid} we make bulk orders {n}") == f"Sent to buyer #{bid}."
        told = await shop.received(shop.buyer, f"we make bulk orders {n}")
        assert told == f"Kaarigar team: we make bulk orders {n}"
    entry = last(AuditEntry, shop.env)
    assert (entry.action, entry.entity_id, entry.channel) == ("staff_reply", str(bid), shop.channel)


async def test_reply_outside_whatsapps_window_goes_as_the_template(shop_outbox: Shop) -> None:
    from datetime import timedelta

    from catalog.db import transaction
    from catalog.models import Customer, utcnow

    shop = shop_outbox
    if shop.tg:
        pytest.skip("WhatsApp's 24-hour window")
    assert await shop.say("hi", shop.buyer) == "echo: hi"
    bid = _no_admins_then_handoff(shop)
    with transaction(shop.env.sessions) as s:
        buyer = s.get(Customer, bid)
        assert buyer is not None
        buyer.last_inbound_at = utcnow() - timedelta(days=2)
    await shop.received(shop.staff, f"Buyer #{bid} asks for a person")
    assert await shop.say(f"/reply {bid} still here?") == f"Sent to buyer #{bid}."
    await shop.received(shop.buyer, "Kaarigar team: still here?")
    sent = [m for m in shop.twilio.messages if m["To"] == f"whatsapp:{shop.buyer}"][-1]
    assert sent["ContentSid"] == TEMPLATE and sent.get("Body") is None


async def test_staff_told_when_the_buyer_cancels(shop_outbox: Shop) -> None:
    from catalog import orders
    from catalog.db import transaction

    shop = shop_outbox
    oid = await shop.buyer_order("KS-101", 1)
    with transaction(shop.env.sessions) as s:
        order = s.get(Order, oid)
        assert order is not None
        orders.cancel(s, order, reason="ordered twice", actor=f"customer:{order.customer_id}")
    told = await shop.received(shop.staff, f"Buyer cancelled order {ref(oid)}")
    assert told == f"Buyer cancelled order {ref(oid)} (ordered twice)."
    assert not any(f"order {ref(oid)} was cancelled" in t for t in shop.inbox(shop.buyer))
