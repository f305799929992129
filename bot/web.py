"""The web app: Telegram, WhatsApp and payment gateway webhooks, a health check, the outbox
sender and the payments loop.

``create_app`` wires everything; nothing connects until the lifespan starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot.core.conversation import Conversation, Limits
from bot.core.messages import Inbound
from bot.core.notifier import Delivery, OutboxWorker, Send
from bot.core.pending import Claimed, PendingTurns
from bot.core.rasa_client import RasaClient, http_client
from bot.core.relay import Relay
from bot.core.state import RedisStore, StateStore, StoreUnavailable, make_store
from bot.handlers import telegram as tg
from bot.handlers import whatsapp as wa
from bot.ops.settings import Settings
from bot.ops.settings import check_channels as check
from bot.payments import webhooks as gateway_webhooks
from bot.payments.loop import DEFAULT_INTERVALS, Intervals, PaymentsLoop
from bot.payments.razorpay import RazorpayClient
from bot.staff import route as staff_handler
from catalog import photos
from catalog.db import make_engine, make_sessionmaker, ping

log = logging.getLogger(__name__)


@dataclass
class Services:
    """What the routes use; built by the lifespan."""

    settings: Settings
    store: StateStore
    http: httpx.AsyncClient
    sessions: sessionmaker[Session]
    rasa: RasaClient
    conversation: Conversation
    telegram: tg.TelegramApp | None = None
    whatsapp: wa.WhatsAppSender | None = None
    gateway: RazorpayClient | None = None
    pending: PendingTurns | None = None  # with Redis: acknowledged messages outlive this process
    background: set[asyncio.Task[None]] = field(default_factory=set)

    def spawn(self, coro: Any) -> None:
        """Run work after the response; kept referenced so it is not garbage-collected."""
        task = asyncio.create_task(coro)
        self.background.add(task)
        task.add_done_callback(self.background.discard)


def create_app(
    settings: Settings,
    *,
    http: httpx.AsyncClient | None = None,
    store: StateStore | None = None,
    sessions: sessionmaker[Session] | None = None,
    limits: Limits | None = None,
    namespace: str = "",
    rasa_timeout: float | None = None,
    outbox_interval: float | None = 2.0,
    telegram_polling: bool = False,
    register_webhook: bool = False,
    payments_interval: Intervals | float | None = DEFAULT_INTERVALS,
) -> Starlette:
    """The Starlette app; injected clients are not closed by it, the ones it makes are."""
    check(settings, telegram_polling)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        client = http or http_client()
        state = store or make_store(settings.redis_url)
        db = sessions or make_sessionmaker(make_engine(settings.database_url))
        services, tokens = build_services(
            settings, client, state, db, limits or Limits(lock_ttl=settings.lease_seconds),
            namespace, rasa_timeout or settings.rasa_timeout,
        )  # fmt: skip
        app.state.services = services
        tasks: list[asyncio.Task[None]] = []
        try:
            await _start_telegram(services, tokens, telegram_polling, register_webhook)
            _start_whatsapp(services)
            if services.pending is not None:
                with contextlib.suppress(StoreUnavailable):  # the lease, before any message
                    await services.pending.heartbeat()
                tasks.append(asyncio.create_task(_take_over(services, services.pending)))
            if outbox_interval is not None:
                app.state.outbox = OutboxWorker(
                    db, state, _senders(services), interval=outbox_interval, namespace=namespace
                )
                tasks.append(asyncio.create_task(app.state.outbox.run()))
            if payments_interval is not None:
                app.state.payments = PaymentsLoop(
                    db, state, services.gateway, timedelta(hours=settings.payment_timeout_hours),
                    Intervals.of(payments_interval), namespace,
                )  # fmt: skip
                tasks.append(asyncio.create_task(app.state.payments.run()))
            yield
        finally:
            for task in tasks:
                task.cancel()
            # Let them finish their cleanup (the outbox sender closes its transaction).
            await asyncio.gather(*tasks, return_exceptions=True)
            if services.background:
                await asyncio.wait(services.background, timeout=30)
            await _stop_telegram(services, telegram_polling)
            if services.pending is not None:  # what is still pending goes to another process
                with contextlib.suppress(StoreUnavailable):
                    await services.pending.release()
            if http is None:
                await client.aclose()
            if store is None:
                await state.close()

    return Starlette(routes=ROUTES, lifespan=lifespan)


def build_services(
    settings: Settings,
    client: httpx.AsyncClient,
    state: StateStore,
    db: sessionmaker[Session],
    limits: Limits,
    namespace: str,
    rasa_timeout: float,
) -> tuple[Services, tg.CallbackTokens]:
    """The one place that wires the collaborators: each is passed to the constructor that
    needs it (the staff handler's dependencies, then the conversation, then the services)."""
    rasa = RasaClient(client, settings.rasa_urls, rasa_timeout)
    pending = None
    if isinstance(state, RedisStore):
        pending = PendingTurns(state.redis, namespace, lease=settings.lease_seconds)
    tokens = tg.CallbackTokens(state, namespace)
    gateway = gateway_client(settings, client)
    media_dir = Path(settings.media_dir)

    async def keep_photo(inbound: Inbound) -> str | None:  # a buyer's photo, for staff to open
        data = await fetch_media(services, inbound)
        name = await asyncio.to_thread(photos.store, data, media_dir)
        return photos.public_url(name, settings.public_base_url)

    # talking to a person: a hand-off or a /reply opens it; the buyer's messages go to staff
    relay = Relay(state, db, namespace, keep_photo=keep_photo)
    staff_deps = staff_handler.StaffDeps(
        sessions=db, state=state, media_dir=media_dir,
        fetch_media=lambda inbound: fetch_media(services, inbound),  # photos from /photo
        gateway=gateway,  # /refund of a payment made at the gateway
        relay=relay,
    )  # fmt: skip
    conversation = Conversation(
        rasa,
        state,
        settings.sender_secret.get_secret_value(),
        db,
        staff=staff_handler.bind(staff_deps),
        limits=limits,
        namespace=namespace,
        decode_payload=tokens.decode,
        pending=pending,
        relay=relay,
    )
    services = Services(
        settings, state, client, db, rasa, conversation, gateway=gateway, pending=pending
    )
    return services, tokens


TELEGRAM_UPDATES = ["message", "callback_query", "pre_checkout_query"]  # payments need the last


async def _start_telegram(
    services: Services, tokens: tg.CallbackTokens, polling: bool, register_webhook: bool
) -> None:
    s = services.settings
    if not s.telegram_bot_token:
        return
    front = tg.TelegramFrontEnd(
        services.conversation, tokens, s.public_base_url, accepted_upstream=not polling,
        sessions=services.sessions, payment_provider_token=s.telegram_payment_provider_token,
    )  # fmt: skip
    app = tg.build_application(
        s.telegram_bot_token.get_secret_value(), s.telegram_api_base_url, front, polling=polling
    )
    await app.initialize()
    await app.start()
    services.telegram = app
    if polling:
        await app.bot.delete_webhook()
        assert app.updater is not None
        await app.updater.start_polling(allowed_updates=TELEGRAM_UPDATES)
    elif register_webhook and s.public_base_url and s.telegram_webhook_secret:
        await app.bot.set_webhook(
            url=f"{s.public_base_url}/telegram/webhook",
            secret_token=s.telegram_webhook_secret.get_secret_value(),
            allowed_updates=TELEGRAM_UPDATES,
        )


async def _stop_telegram(services: Services, polling: bool) -> None:
    app = services.telegram
    if app is None:
        return
    if polling and app.updater is not None and app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
    await app.shutdown()


def _start_whatsapp(services: Services) -> None:
    s = services.settings
    if not (s.twilio_account_sid and s.twilio_auth_token and s.twilio_whatsapp_from):
        return
    client = wa.make_client(
        s.twilio_account_sid,
        s.twilio_auth_token.get_secret_value(),
        services.http,
        s.twilio_api_base_url,
    )
    services.whatsapp = wa.WhatsAppSender(
        client,
        s.twilio_whatsapp_from,
        template_sid=s.twilio_notify_content_sid,
        media_base_url=s.public_base_url,
    )


async def _take_over(services: Services, pending: PendingTurns) -> None:
    """Hold this process's lease, and answer the messages of web apps that died."""
    channels = [
        name
        for name, ready in (("telegram", services.telegram), ("whatsapp", services.whatsapp))
        if ready is not None
    ]
    await pending.run(lambda claimed: _replay(services, claimed), channels)


async def _replay(services: Services, claimed: Claimed) -> None:
    """Answer a message another web app acknowledged and could not answer, as if it had just
    arrived here (it is already accepted; the conversation checks this process owns it)."""
    inbound = claimed.inbound
    if inbound.channel == "telegram" and services.telegram is not None and claimed.raw:
        update = await asyncio.to_thread(
            tg.parse_update, claimed.raw.encode(), services.telegram.bot
        )
        await services.telegram.update_queue.put(update)
    elif inbound.channel == "whatsapp" and services.whatsapp is not None:
        services.spawn(_answer_whatsapp(services, inbound))


def gateway_client(settings: Settings, http: httpx.AsyncClient) -> RazorpayClient | None:
    """The payment-link gateway on the app's HTTP client, or None when it is not configured."""
    if not (settings.gateway and settings.razorpay_key_id and settings.razorpay_key_secret):
        return None
    return RazorpayClient(
        http,
        settings.razorpay_key_id,
        settings.razorpay_key_secret.get_secret_value(),
        base_url=settings.razorpay_api_base_url,
    )


def _senders(services: Services) -> dict[str, Send]:
    async def telegram(d: Delivery) -> bool:
        if services.telegram is None:
            return False
        await tg.send_notification(services.telegram.bot, d.user_id, d.text)
        return True

    async def whatsapp(d: Delivery) -> bool:
        if services.whatsapp is None:
            return False
        return await services.whatsapp.notify(d.user_id, d.text, d.last_inbound_at)

    return {"telegram": telegram, "whatsapp": whatsapp}


async def fetch_media(services: Services, inbound: Inbound) -> bytes:
    """The bytes of an inbound photo (staff upload product photos)."""
    if not inbound.media_url:
        raise ValueError("message has no media")
    if inbound.channel == "telegram" and services.telegram is not None:
        file = await services.telegram.bot.get_file(inbound.media_url)
        return bytes(await file.download_as_bytearray())
    s = services.settings
    auth = None
    if s.twilio_account_sid and s.twilio_auth_token:
        auth = (s.twilio_account_sid, s.twilio_auth_token.get_secret_value())
    resp = await services.http.get(inbound.media_url, auth=auth, follow_redirects=True)
    resp.raise_for_status()
    return resp.content


def _services(request: Request) -> Services:
    return request.app.state.services  # type: ignore[no-any-return]


BODY_LIMIT = 64 * 1024  # Twilio's forms are a few KB; Telegram's updates (text <= 4096) too


class BodyTooLarge(Exception):
    """The request body is over ``BODY_LIMIT``."""


async def read_body(request: Request, limit: int = BODY_LIMIT) -> bytes:
    """The body, refused by its Content-Length before reading, or as soon as it streams past
    ``limit``: an unauthenticated sender must not make us buffer megabytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


async def _accepted(services: Services, inbound: Inbound, raw: str = "") -> bool | None:
    """Record the message as accepted before acknowledging it: True when new, False for a
    duplicate, None when it cannot be recorded (shared state or database down): answer 503,
    so the platform delivers it again instead of it being acknowledged and lost."""
    try:
        return await services.conversation.accept(inbound, raw)
    except (StoreUnavailable, SQLAlchemyError) as exc:
        log.warning("%s message not accepted, asking for a retry: %r", inbound.channel, exc)
        return None


def _retry_later() -> Response:
    return PlainTextResponse("try again later", status_code=503, headers={"Retry-After": "5"})


async def telegram_webhook(request: Request) -> Response:
    """Check the secret header, bound and parse the body, record the update as accepted,
    queue it for PTB, answer 200; 503 when it cannot be recorded (Telegram retries)."""
    services = _services(request)
    secret = services.settings.telegram_webhook_secret
    app = services.telegram
    if app is None or secret is None:
        return PlainTextResponse("telegram is not configured", status_code=404)
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    if not hmac.compare_digest(given.encode(), secret.get_secret_value().encode()):
        return PlainTextResponse("forbidden", status_code=403)
    try:
        body = await read_body(request)
    except BodyTooLarge:
        return PlainTextResponse("request body too large", status_code=413)
    try:
        update = await asyncio.to_thread(tg.parse_update, body, app.bot)
    except ValueError:
        log.warning("malformed telegram update refused")
        return PlainTextResponse("malformed update", status_code=400)
    inbound = tg.to_inbound(update)
    if inbound is not None:
        fresh = await _accepted(services, inbound, body.decode(errors="replace"))
        if fresh is None:
            return _retry_later()
        if not fresh:
            return Response(status_code=200)  # a retry of an update already queued
    await app.update_queue.put(update)
    return Response(status_code=200)


async def whatsapp_webhook(request: Request) -> Response:
    """Check Twilio's signature header, bound the body, parse and verify it off the event loop,
    record the message as accepted, acknowledge with empty TwiML, reply through the REST API;
    503 when it cannot be recorded (Twilio retries when the URL allows it, see README)."""
    services = _services(request)
    s = services.settings
    if services.whatsapp is None or s.twilio_auth_token is None or not s.public_base_url:
        return PlainTextResponse("whatsapp is not configured", status_code=404)
    signature = request.headers.get("X-Twilio-Signature")
    if not signature:
        return PlainTextResponse("forbidden", status_code=403)
    try:
        body = await read_body(request)
    except BodyTooLarge:
        return PlainTextResponse("request body too large", status_code=413)
    url = s.public_base_url + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    token = s.twilio_auth_token.get_secret_value()
    try:
        form = await asyncio.to_thread(wa.signed_form, token, url, body, signature)
    except ValueError:
        return PlainTextResponse("malformed form", status_code=400)
    if form is None:
        return PlainTextResponse("forbidden", status_code=403)
    inbound = wa.to_inbound(form)
    if not inbound.message_id or not inbound.user_id:
        return PlainTextResponse("not a message", status_code=400)
    fresh = await _accepted(services, inbound)
    if fresh is None:
        return _retry_later()
    if fresh:
        services.spawn(_answer_whatsapp(services, inbound))
    return Response(wa.empty_twiml(), media_type="application/xml")


async def _answer_whatsapp(services: Services, inbound: Inbound) -> None:
    try:
        replies = await services.conversation.handle(inbound, accepted=True)
        if replies and services.whatsapp is not None:
            await services.whatsapp.send_replies(inbound.user_id, replies)
    except Exception:  # noqa: BLE001 - logged without the number; Twilio was already answered
        log.exception("whatsapp message from %s failed", services.conversation.sender(inbound))


async def razorpay_webhook(request: Request) -> Response:
    """The gateway's event: the body bounded, then the signature checked before anything is
    read, and the event applied once, off the event loop. 401 forged, 400 unreadable, 200
    otherwise (an unknown link too: it is logged, and retrying would not help)."""
    services = _services(request)
    secret = services.settings.razorpay_webhook_secret
    if secret is None:
        return PlainTextResponse("payment webhooks are not configured", status_code=404)
    try:
        raw = await read_body(request)
    except BodyTooLarge:
        return PlainTextResponse("request body too large", status_code=413)
    try:
        result = await asyncio.to_thread(
            gateway_webhooks.process, services.sessions, raw,
            request.headers.get("X-Razorpay-Signature"),
            request.headers.get("X-Razorpay-Event-Id"), secret.get_secret_value(),
        )  # fmt: skip
    except SQLAlchemyError as exc:
        log.warning("payment webhook not recorded, asking for a retry: %r", exc)
        return _retry_later()
    return PlainTextResponse(result.outcome, status_code=result.status_code)


MEDIA_HEADERS = {
    "Cache-Control": "public, max-age=86400",
    "X-Content-Type-Options": "nosniff",  # a browser must never sniff a photo into a page
    "Content-Security-Policy": "default-src 'none'; sandbox",
}


async def media(request: Request) -> Response:
    """A stored product photo, so Telegram and Twilio can fetch it; 404 for anything else,
    including symlinks, non-regular files and files that are not whole images."""
    name = request.path_params["name"]
    found = await asyncio.to_thread(photos.read, name, Path(_services(request).settings.media_dir))
    if found is None:
        return PlainTextResponse("not found", status_code=404)
    data, media_type = found
    return Response(data, media_type=media_type, headers=MEDIA_HEADERS)


async def healthz(request: Request) -> Response:
    """Database, Redis (when configured) and Rasa: 200 when all are up, else 503."""
    services = _services(request)

    status: dict[str, str] = {}
    try:
        await asyncio.wait_for(asyncio.to_thread(ping, services.sessions), 5)
        status["database"] = "up"
    except Exception:  # noqa: BLE001 - any failure means down
        status["database"] = "down"
    if isinstance(services.store, RedisStore):
        try:
            await asyncio.wait_for(services.store.redis.ping(), 3)
            status["redis"] = "up"
        except Exception:  # noqa: BLE001
            status["redis"] = "down"
    else:
        status["redis"] = "not configured"
    status["rasa"] = "up" if await services.rasa.healthy() else "down"
    ok = all(v != "down" for v in status.values())
    return JSONResponse(status, status_code=200 if ok else 503)


ROUTES = [
    Route("/telegram/webhook", telegram_webhook, methods=["POST"]),
    Route("/whatsapp/webhook", whatsapp_webhook, methods=["POST"]),
    Route("/webhooks/razorpay", razorpay_webhook, methods=["POST"]),
    Route("/healthz", healthz, methods=["GET"]),
    Route(photos.MEDIA_PATH + "/{name}", media, methods=["GET"]),
]
