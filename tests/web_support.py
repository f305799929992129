"""Build the web app against the loopback fakes and drive it like Telegram and Twilio do."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from twilio.request_validator import RequestValidator

from bot.core.conversation import Limits
from bot.core.state import StateStore
from bot.ops.settings import Settings, load
from bot.web import Services, create_app
from tests.fixtures_channels import BOT_TOKEN, FakeRasa, FakeTelegram, FakeTwilio

WEBHOOK_SECRET = "tg-secret_123"
AUTH_TOKEN = "twilio-auth-token"
ACCOUNT_SID = "AC" + "0" * 32
PUBLIC = "https://shop.example.org"
WA_FROM = "whatsapp:+14155238886"
SENDER_SECRET = "test-sender-secret-0123456789abcdef"  # platform tokens require a real key

_ids = itertools.count(1)


def settings_for(
    db_url: str,
    rasa: FakeRasa,
    telegram: FakeTelegram | None,
    twilio: FakeTwilio | None,
    **extra: Any,
) -> Settings:
    values: dict[str, Any] = {
        "DATABASE_URL": db_url,
        "RASA_URL": rasa.url,
        "PUBLIC_BASE_URL": PUBLIC,
        "KAARIGAR_SENDER_SECRET": SENDER_SECRET,
    }
    if telegram is not None:
        values |= {
            "TELEGRAM_BOT_TOKEN": BOT_TOKEN,
            "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "TELEGRAM_API_BASE_URL": telegram.base_url,
        }
    if twilio is not None:
        values |= {
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_WHATSAPP_FROM": WA_FROM,
            "TWILIO_API_BASE_URL": twilio.base_url,
        }
    return load(**(values | extra))


@asynccontextmanager
async def running_app(
    settings: Settings,
    sessions: sessionmaker[Session],
    *,
    store: StateStore | None = None,
    namespace: str = "",
    limits: Limits | None = None,
    outbox_interval: float | None = None,
) -> AsyncIterator[tuple[Starlette, httpx.AsyncClient]]:
    """The app with its lifespan running, and a client that calls it in-process."""
    app = create_app(
        settings,
        sessions=sessions,
        store=store,
        namespace=namespace,
        limits=limits,
        outbox_interval=outbox_interval,
        # 2 s against a fake Rasa; a test that sets KAARIGAR_RASA_TIMEOUT (the real stack's
        # first turn on a loaded machine) gets what it set
        rasa_timeout=None if "rasa_timeout" in settings.model_fields_set else 2.0,
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
            yield app, client
        services: Services = app.state.services
        if services.background:
            import asyncio

            await asyncio.wait(services.background, timeout=10)


def tg_text_update(user_id: int, text: str, update_id: int | None = None) -> dict[str, Any]:
    uid = update_id or next(_ids) + 10_000
    return {
        "update_id": uid,
        "message": {
            "message_id": uid,
            "date": 1_700_000_000,
            "chat": {"id": user_id, "type": "private"},
            "from": {"id": user_id, "is_bot": False, "first_name": "Buyer"},
            "text": text,
        },
    }


def tg_callback_update(user_id: int, data: str, update_id: int | None = None) -> dict[str, Any]:
    uid = update_id or next(_ids) + 10_000
    return {
        "update_id": uid,
        "callback_query": {
            "id": f"cq{uid}",
            "from": {"id": user_id, "is_bot": False, "first_name": "Buyer"},
            "chat_instance": "ci",
            "data": data,
            "message": {
                "message_id": 1,
                "date": 1_700_000_000,
                "chat": {"id": user_id, "type": "private"},
                "from": {"id": 123456, "is_bot": True, "first_name": "Kaarigar"},
                "text": "menu",
            },
        },
    }


def wa_form(number: str, body: str, sid: str | None = None, **extra: str) -> dict[str, str]:
    return {
        "MessageSid": sid or f"SM{next(_ids):032d}",
        "AccountSid": ACCOUNT_SID,
        "From": f"whatsapp:{number}",
        "To": WA_FROM,
        "Body": body,
        "NumMedia": "0",
        "ProfileName": "Buyer",
        "WaId": number.lstrip("+"),
        **extra,
    }


def signed(
    form: dict[str, str], path: str = "/whatsapp/webhook", token: str = AUTH_TOKEN
) -> dict[str, str]:
    """Headers Twilio would send: the signature over the public URL and the form."""
    return {"X-Twilio-Signature": RequestValidator(token).compute_signature(PUBLIC + path, form)}


async def post_wa(
    client: httpx.AsyncClient, form: dict[str, str], headers: dict[str, str] | None = None
) -> httpx.Response:
    return await client.post(
        "/whatsapp/webhook", data=form, headers=signed(form) if headers is None else headers
    )


async def post_tg(
    client: httpx.AsyncClient, update: dict[str, Any], secret: str | None = WEBHOOK_SECRET
) -> httpx.Response:
    headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
    return await client.post("/telegram/webhook", json=update, headers=headers)
