"""Issue 13, order across web apps, with real web app processes and no Rasa model.

Two web apps (``kaarigar run --only web``, as in tests/test_multiprocess.py) share one
PostgreSQL schema and one Redis database; their Rasa is a fake served here that echoes each
message after a short delay and records the order it got them in. Several buyers each post
updates alternately to A and B, each once the one before was acknowledged (like Telegram):
each buyer's messages must reach Rasa in the order sent. Before the order fix the per-buyer
lock was not a queue, and with turns queued the web app that polled the lock first went first.
(The same check with the real Rasa: tests/test_multiprocess.py, which needs a trained model.)
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlparse

import pytest
import redis
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot.ops.processes import free_port
from bot.ops.serving import serve
from catalog import migrate
from catalog.db import make_engine
from tests.conftest import PG_URL, REDIS_URL, new_schema, unavailable
from tests.fixtures_channels import BOT_TOKEN
from tests.test_multiprocess import (
    Part,
    ThreadedTelegram,
    _env,
    _update,
    _users,
    post,
    wait_until,
)
from tests.web_support import PUBLIC, SENDER_SECRET, WEBHOOK_SECRET

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

TURN = 0.05  # seconds the fake Rasa takes a turn: later updates queue behind it
# A Redis database of its own, emptied first: tests/test_multiprocess.py kills web apps on db 12
# and leaves their pending records there, which these web apps would sweep up and replay (to a
# Rasa that has no such conversations) before their own turns.
REDIS_ORDER_URL = urlparse(REDIS_URL)._replace(path="/11").geturl()


class EchoRasa:
    """A Rasa REST channel on its own thread: answers 'echo: <message>' after ``TURN``."""

    def __init__(self) -> None:
        self.got: list[tuple[str, str]] = []  # (sender, message) in the order received
        self.busy: set[str] = set()
        self.overlapped: list[str] = []
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        app = Starlette(
            routes=[
                Route("/webhooks/rest/webhook", self.webhook, methods=["POST"]),
                Route("/", self.root, methods=["GET"]),
            ]
        )
        self.running = asyncio.run_coroutine_threadsafe(serve(app), self.loop).result(30)

    async def webhook(self, request: Request) -> Response:
        body = await request.json()
        sender, message = body["sender"], body["message"]
        self.got.append((sender, message))
        if sender in self.busy:
            self.overlapped.append(message)  # two turns of one buyer at once
        self.busy.add(sender)
        try:
            await asyncio.sleep(TURN)
        finally:
            self.busy.discard(sender)
        return JSONResponse([{"recipient_id": sender, "text": f"echo: {message}"}])

    async def root(self, request: Request) -> Response:
        return PlainTextResponse("Hello from Rasa: 3.6.21")

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.running.stop(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)


@pytest.fixture(scope="module")
def webs() -> Iterator[tuple[list[str], EchoRasa]]:
    try:
        redis.Redis.from_url(REDIS_ORDER_URL).flushdb()
    except redis.RedisError as exc:
        unavailable("Redis on 127.0.0.1:6379", exc)
    try:
        admin, schema = new_schema("kmo")
    except Exception as exc:  # noqa: BLE001
        unavailable(f"PostgreSQL at {PG_URL}", exc)
    database_url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    rasa = EchoRasa()
    telegram = ThreadedTelegram()
    parts: list[Part] = []
    try:
        env = _env(
            DATABASE_URL=database_url,
            REDIS_URL=REDIS_ORDER_URL,
            RASA_URL=rasa.running.url,
            TELEGRAM_BOT_TOKEN=BOT_TOKEN,
            TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
            TELEGRAM_API_BASE_URL=telegram.fake.base_url,
            PUBLIC_BASE_URL=PUBLIC,
            KAARIGAR_SENDER_SECRET=SENDER_SECRET,
            KAARIGAR_BIND_HOST="127.0.0.1",
            KAARIGAR_LEASE_SECONDS="4",
        )
        ports = [free_port(), free_port()]
        for name, port in zip(("web-a", "web-b"), ports, strict=True):
            parts.append(Part.start(name, "web", dict(env, KAARIGAR_PORT=str(port))))
        for part in parts:
            part.wait_for("web app healthy on ", timeout=120)
        yield [f"http://127.0.0.1:{p}" for p in ports], rasa
    finally:
        for part in parts:
            part.stop()
        telegram.close()
        rasa.close()
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def test_each_buyers_updates_reach_rasa_in_the_order_sent_across_web_apps(
    webs: tuple[list[str], EchoRasa],
) -> None:
    urls, rasa = webs
    buyers = [next(_users) for _ in range(3)]
    count = 8
    sent: dict[int, list[str]] = {b: [] for b in buyers}

    def say(buyer: int) -> None:
        for i in range(count):
            message = f"hello {i}"
            assert post(urls[i % 2], _update(buyer, text=message)) == 200  # then the next
            sent[buyer].append(message)

    threads = [threading.Thread(target=say, args=(b,)) for b in buyers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wait_until(lambda: len(rasa.got) >= count * len(buyers), "every turn", timeout=60)
    time.sleep(1)  # a second turn of any message would have come by now
    by_sender: dict[str, list[str]] = {}
    for sender, message in rasa.got:
        by_sender.setdefault(sender, []).append(message)
    assert sorted(by_sender.values()) == sorted(sent.values()), by_sender  # in order, once each
    assert rasa.overlapped == []  # one turn of a buyer at a time
