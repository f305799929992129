"""Issue 13: one of several Rasa servers dies mid-turn; the message is neither lost nor taken
twice (``RasaClient`` with several URLs).

The fakes share one tracker (as Rasa servers share the Redis tracker store). A "dying" server
is a raw TCP server that reads the request and closes the connection without an answer, after
recording the message in the tracker or not (it died after or before taking the turn).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.core.rasa_client import MESSAGE_KEY, RasaClient, fallback
from bot.ops.processes import free_port
from bot.ops.serving import Running, serve

Events = dict[str, list[dict[str, Any]]]


def take_turn(tracker: Events, body: dict[str, Any]) -> list[dict[str, Any]]:
    """What a Rasa server does: record the user message and its answer in the tracker."""
    answer = [{"text": f"echo: {body['message']}", "buttons": [{"title": "Menu", "payload": "/m"}]}]
    events = tracker.setdefault(body["sender"], [])
    events.append({"event": "user", "text": body["message"], "metadata": body["metadata"]})
    for a in answer:
        data = {"buttons": a["buttons"], "image": None, "custom": None}
        events.append({"event": "bot", "text": a["text"], "data": data})
    events.append({"event": "action", "name": "action_listen"})
    return answer


@dataclass
class Rasa:
    """A healthy server on the shared tracker."""

    tracker: Events
    delay: float = 0.0
    posts: list[str] = field(default_factory=list)
    running: Running | None = None

    async def webhook(self, request: Request) -> Response:
        body = await request.json()
        self.posts.append(body["message"])
        await asyncio.sleep(self.delay)
        return JSONResponse(take_turn(self.tracker, body))

    async def read_tracker(self, request: Request) -> Response:
        return JSONResponse({"events": self.tracker.get(request.path_params["sender"], [])})

    @property
    def url(self) -> str:
        assert self.running is not None
        return self.running.url


@dataclass
class Dying:
    """Reads one request, maybe takes the turn, then drops the connection unanswered."""

    tracker: Events
    takes_turn: bool
    posts: list[str] = field(default_factory=list)
    server: asyncio.Server | None = None

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            (int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")),
            0,
        )  # fmt: skip
        if head.startswith(b"POST"):
            body = json.loads(await reader.readexactly(length))
            self.posts.append(body["message"])
            if self.takes_turn:
                take_turn(self.tracker, body)
        writer.transport.abort()  # killed: no answer, the connection reset

    def close(self) -> None:
        assert self.server is not None
        self.server.close()

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"


@pytest.fixture
async def tracker() -> Events:
    return {}


@pytest.fixture
async def healthy(tracker: Events) -> AsyncIterator[Rasa]:
    fake = Rasa(tracker)
    fake.running = await serve(
        Starlette(
            routes=[
                Route("/webhooks/rest/webhook", fake.webhook, methods=["POST"]),
                Route("/conversations/{sender}/tracker", fake.read_tracker, methods=["GET"]),
            ]
        )
    )
    yield fake
    await fake.running.stop()


async def dying(tracker: Events, takes_turn: bool) -> Dying:
    fake = Dying(tracker, takes_turn)
    await fake.start()
    return fake


async def test_a_server_that_cannot_be_reached_is_skipped(healthy: Rasa) -> None:
    down = f"http://127.0.0.1:{free_port()}"  # nothing listens
    async with httpx.AsyncClient() as http:
        client = RasaClient(http, [down, healthy.url])
        replies = await client.send("s1", "hi", message_key="telegram:1")
        assert replies[0].text == "echo: hi"
        assert await client.send("s1", "again", message_key="telegram:2")
    assert healthy.posts == ["hi", "again"]
    assert client._order()[0] == healthy.url  # the one that works is tried first from now on


async def test_a_server_that_died_after_taking_the_turn_is_not_asked_again(
    tracker: Events, healthy: Rasa
) -> None:
    died = await dying(tracker, takes_turn=True)
    async with httpx.AsyncClient() as http:
        client = RasaClient(http, [died.url, healthy.url])
        replies = await client.send("s1", "add to cart", message_key="telegram:7")
    died.close()
    assert died.posts == ["add to cart"] and healthy.posts == []  # taken once, in all
    assert [r.text for r in replies] == ["echo: add to cart"]  # read back from the tracker
    assert replies[0].buttons[0].payload == "/m"
    users = [e for e in tracker["s1"] if e["event"] == "user"]
    assert len(users) == 1 and users[0]["metadata"][MESSAGE_KEY] == "telegram:7"


async def test_a_server_that_died_before_taking_the_turn_is_replaced(
    tracker: Events, healthy: Rasa
) -> None:
    died = await dying(tracker, takes_turn=False)
    async with httpx.AsyncClient() as http:
        client = RasaClient(http, [died.url, healthy.url])
        replies = await client.send("s1", "hi", message_key="telegram:8")
    died.close()
    assert died.posts == ["hi"] and healthy.posts == ["hi"]
    assert replies[0].text == "echo: hi"
    assert [e["text"] for e in tracker["s1"] if e["event"] == "user"] == ["hi"]


async def test_a_slow_server_is_never_asked_twice(tracker: Events, healthy: Rasa) -> None:
    """A timeout may mean "still taking the turn": resending could run it twice, so the
    buyer gets the menu instead."""
    slow = Rasa(tracker, delay=1.0)
    slow.running = await serve(
        Starlette(routes=[Route("/webhooks/rest/webhook", slow.webhook, methods=["POST"])])
    )
    try:
        async with httpx.AsyncClient() as http:
            client = RasaClient(http, [slow.url, healthy.url], timeout=0.3)
            assert await client.reply("s1", "hi", message_key="telegram:9") == fallback()
    finally:
        await slow.running.stop()
    assert healthy.posts == []


async def test_a_resumed_turn_reads_the_tracker_before_sending(
    tracker: Events, healthy: Rasa
) -> None:
    """A web app took over a turn another one began: if Rasa took it, nothing is resent."""
    take_turn(tracker, {"sender": "s1", "message": "hi", "metadata": {MESSAGE_KEY: "whatsapp:SM1"}})
    async with httpx.AsyncClient() as http:
        client = RasaClient(http, healthy.url, timeout=0.5)
        done = await client.send("s1", "hi", message_key="whatsapp:SM1", resumed_after=0.2)
        assert [r.text for r in done] == ["echo: hi"] and healthy.posts == []
        fresh = await client.send("s1", "more", message_key="whatsapp:SM2", resumed_after=9.0)
    assert fresh[0].text == "echo: more" and healthy.posts == ["more"]
