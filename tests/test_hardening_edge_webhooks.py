"""Issue 10, item 2: webhook bodies are bounded, checked before they are read, parsed off the
event loop, and a malformed one gets a clear 400."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.ops.settings import Settings
from catalog.db import make_sessionmaker
from tests.fixtures_channels import FakeRasa, FakeTelegram, FakeTwilio
from tests.web_support import (
    WEBHOOK_SECRET,
    post_tg,
    post_wa,
    running_app,
    settings_for,
    tg_text_update,
    wa_form,
)

NUMBER = "+919812345678"
MB = 1024 * 1024


@pytest.fixture
def sessions(sqlite_engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(sqlite_engine)


@pytest.fixture
def settings(
    sqlite_engine: Engine, fake_rasa: FakeRasa, fake_telegram: FakeTelegram, fake_twilio: FakeTwilio
) -> Settings:
    return settings_for(str(sqlite_engine.url), fake_rasa, fake_telegram, fake_twilio)


@pytest.fixture
async def client(
    settings: Settings, sessions: sessionmaker[Session]
) -> AsyncIterator[httpx.AsyncClient]:
    async with running_app(settings, sessions) as (_, c):
        yield c


class Body:
    """A streamed request body (no Content-Length) that records how much the app read."""

    def __init__(self, size: int, chunk: bytes = b"Body=" + b"x" * 8187) -> None:
        self.size, self.chunk, self.sent = size, chunk, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while self.sent < self.size:
            self.sent += len(self.chunk)
            yield self.chunk


FORM = {"Content-Type": "application/x-www-form-urlencoded"}
TG_JSON = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}


async def test_whatsapp_body_over_the_limit_is_refused_by_its_content_length(
    client: httpx.AsyncClient, fake_rasa: FakeRasa
) -> None:
    form = wa_form(NUMBER, "x" * MB)
    resp = await post_wa(client, form)  # correctly signed, but 1 MB
    assert resp.status_code == 413
    assert fake_rasa.calls == []


async def test_whatsapp_streamed_body_over_the_limit_is_cut_off(client: httpx.AsyncClient) -> None:
    body = Body(20 * MB)
    headers = FORM | {"X-Twilio-Signature": "c2lnbmF0dXJl"}
    resp = await client.post("/whatsapp/webhook", content=body, headers=headers)
    assert resp.status_code == 413
    assert body.sent < 200 * 1024  # stopped soon after the limit, not after 20 MB


async def test_whatsapp_without_a_signature_is_refused_before_the_body_is_read(
    client: httpx.AsyncClient,
) -> None:
    body = Body(MB)
    resp = await client.post("/whatsapp/webhook", content=body, headers=FORM)
    assert resp.status_code == 403
    assert body.sent == 0


@pytest.mark.parametrize(
    "raw",
    [b"From=whatsapp%3A%2B91&Body=\xff\xfe", b"From=%ff%fe&Body=hi", b"Body=hi&&=x&From"],
    ids=["not-utf8", "escaped-not-utf8", "malformed"],
)
async def test_whatsapp_malformed_body_is_a_clear_400(
    client: httpx.AsyncClient, fake_rasa: FakeRasa, raw: bytes
) -> None:
    headers = FORM | {"X-Twilio-Signature": "c2lnbmF0dXJl"}
    resp = await client.post("/whatsapp/webhook", content=raw, headers=headers)
    assert resp.status_code == 400
    assert fake_rasa.calls == []


async def test_whatsapp_form_under_the_limit_still_works(
    client: httpx.AsyncClient, fake_twilio: FakeTwilio
) -> None:
    resp = await post_wa(client, wa_form(NUMBER, "ह" * 4000))  # 12 KB of Hindi, signed
    assert resp.status_code == 200
    await fake_twilio.wait_for(1)


async def test_telegram_body_over_the_limit_is_refused(
    client: httpx.AsyncClient, fake_rasa: FakeRasa
) -> None:
    resp = await post_tg(client, tg_text_update(7, "x" * MB))
    assert resp.status_code == 413
    body = Body(20 * MB, b'{"update_id": 1, "x": "' + b"y" * 8000)
    resp = await client.post("/telegram/webhook", content=body, headers=TG_JSON)
    assert resp.status_code == 413
    assert body.sent < 200 * 1024
    assert fake_rasa.calls == []


async def test_telegram_without_the_secret_is_refused_before_the_body_is_read(
    client: httpx.AsyncClient,
) -> None:
    body = Body(MB)
    resp = await client.post(
        "/telegram/webhook", content=body, headers={"Content-Type": "application/json"}
    )
    assert resp.status_code == 403
    assert body.sent == 0


@pytest.mark.parametrize(
    "raw", [b'{"update_id": 1, "message": \xff}', b"{not json", b"[1, 2]", b'{"message": {"text": "hi"}}'],
    ids=["not-utf8", "not-json", "not-an-object", "not-an-update"],
)  # fmt: skip
async def test_telegram_malformed_body_is_a_clear_400(
    client: httpx.AsyncClient, fake_rasa: FakeRasa, raw: bytes
) -> None:
    resp = await client.post("/telegram/webhook", content=raw, headers=TG_JSON)
    assert resp.status_code == 400
    assert fake_rasa.calls == []
