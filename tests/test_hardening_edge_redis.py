"""Issue 10, item 3: with REDIS_URL set, a Redis outage never loses a message silently.

The policy: a webhook answers 503 when it cannot record the message as accepted, so Telegram and
Twilio deliver it again; once Redis is back the retry (and the next message) is answered.
The outage is a loopback TCP proxy in front of the real Redis that the test cuts and restores.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.core.state import make_store
from bot.ops.settings import Settings
from catalog.db import make_sessionmaker
from tests.conftest import REDIS_URL, unavailable
from tests.fixtures_channels import FakeRasa, FakeTelegram, FakeTwilio
from tests.web_support import post_tg, post_wa, running_app, settings_for, tg_text_update, wa_form

pytestmark = pytest.mark.redis

NUMBER = "+919812345678"
BUYER = 555002


class RedisProxy:
    """Forwards 127.0.0.1:<port> to Redis; ``down()`` drops every connection and refuses new
    ones (an outage as the app sees it), ``up()`` listens again on the same port."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self.server: asyncio.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()

    async def up(self) -> None:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def down(self) -> None:
        assert self.server is not None
        self.server.close()
        for w in list(self.writers):
            w.close()
        self.writers.clear()
        await self.server.wait_closed()
        self.server = None

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self.writers |= {writer, up_writer}
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()
        self.writers.discard(writer)


@pytest.fixture
async def redis_proxy() -> AsyncIterator[tuple[RedisProxy, str, str]]:
    """The proxy, the URL the app uses (db 15 through the proxy), and a key namespace."""
    client = aioredis.from_url(REDIS_URL)
    try:
        await client.ping()
    except Exception as exc:  # noqa: BLE001
        await client.aclose()
        unavailable("Redis on 127.0.0.1:6379", exc)
    kwargs = client.connection_pool.connection_kwargs
    proxy = RedisProxy(kwargs.get("host", "127.0.0.1"), kwargs.get("port", 6379))
    await proxy.up()
    ns = f"test-{uuid.uuid4().hex[:10]}"
    yield proxy, f"redis://127.0.0.1:{proxy.port}/{kwargs.get('db', 15)}", ns
    if proxy.server is not None:
        await proxy.down()
    keys = [k async for k in client.scan_iter(f"kaarigar:{ns}:*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


@pytest.fixture
def sessions(sqlite_engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(sqlite_engine)


@pytest.fixture
def settings(
    sqlite_engine: Engine, fake_rasa: FakeRasa, fake_telegram: FakeTelegram, fake_twilio: FakeTwilio
) -> Settings:
    return settings_for(str(sqlite_engine.url), fake_rasa, fake_telegram, fake_twilio)


async def test_redis_outage_answers_503_and_the_retry_after_it_is_answered(
    settings: Settings,
    sessions: sessionmaker[Session],
    fake_rasa: FakeRasa,
    fake_telegram: FakeTelegram,
    fake_twilio: FakeTwilio,
    redis_proxy: tuple[RedisProxy, str, str],
) -> None:
    proxy, url, ns = redis_proxy
    store = make_store(url)
    async with running_app(settings, sessions, store=store, namespace=ns) as (_, client):
        assert (await post_wa(client, wa_form(NUMBER, "before"))).status_code == 200
        assert (await post_tg(client, tg_text_update(BUYER, "tg before"))).status_code == 200
        await fake_twilio.wait_for(1)
        await fake_telegram.wait_for("sendMessage", 1)
        assert (await client.get("/healthz")).json()["redis"] == "up"

        await proxy.down()
        during_wa = wa_form(NUMBER, "during")
        during_tg = tg_text_update(BUYER, "tg during")
        assert (await post_wa(client, during_wa)).status_code == 503
        assert (await post_tg(client, during_tg)).status_code == 503
        health = await client.get("/healthz")
        assert (health.status_code, health.json()["redis"]) == (503, "down")

        await proxy.up()
        # Twilio and Telegram deliver the refused messages again; both are answered now,
        # and so is the next new message.
        assert (await post_wa(client, during_wa)).status_code == 200
        assert (await post_tg(client, during_tg)).status_code == 200
        assert (await post_wa(client, wa_form(NUMBER, "after"))).status_code == 200
        await fake_twilio.wait_for(3)
        await fake_telegram.wait_for("sendMessage", 2)
        health = await client.get("/healthz")
        assert (health.status_code, health.json()["redis"]) == (200, "up")
    await store.close()
    assert sorted(fake_rasa.messages()) == sorted(
        ["before", "tg before", "during", "tg during", "after"]
    )
    assert [m["Body"] for m in fake_twilio.messages] == ["echo: before", "echo: during", "echo: after"]


async def test_first_message_after_redis_returns_is_not_lost(
    settings: Settings,
    sessions: sessionmaker[Session],
    fake_rasa: FakeRasa,
    fake_twilio: FakeTwilio,
    redis_proxy: tuple[RedisProxy, str, str],
) -> None:
    """Pooled connections died with Redis; the first command afterwards must reconnect."""
    proxy, url, ns = redis_proxy
    store = make_store(url)
    async with running_app(settings, sessions, store=store, namespace=ns) as (_, client):
        assert (await post_wa(client, wa_form(NUMBER, "one"))).status_code == 200
        await fake_twilio.wait_for(1)
        await proxy.down()
        await proxy.up()  # a restart between two messages: nothing was sent meanwhile
        assert (await post_wa(client, wa_form(NUMBER, "two"))).status_code == 200
        await fake_twilio.wait_for(2)
    await store.close()
    assert fake_rasa.messages() == ["one", "two"]
