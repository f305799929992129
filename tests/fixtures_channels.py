"""Fakes on loopback for the front ends: the Telegram Bot API, Twilio's REST API, and Rasa.

Each fake is a small Starlette app served by uvicorn on a free port, recording every call.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot.ops.serving import Running, serve

BOT_TOKEN = "123456:TEST-token"
BOT_ID = 123456


async def _params(request: Request) -> dict[str, Any]:
    """PTB sends JSON or a url-encoded form (no file uploads here); nested values are JSON."""
    if request.headers.get("content-type", "").startswith("application/json"):
        body = await request.body()
        return json.loads(body) if body else {}
    out: dict[str, Any] = {}
    for k, v in parse_qsl((await request.body()).decode(), keep_blank_values=True):
        try:
            out[k] = json.loads(v)
        except ValueError:
            out[k] = v
    return out


async def stop_fake(running: Running) -> None:
    """Stop a fake at once, after its test. uvicorn's graceful stop (``Running.stop``) notices
    ``should_exit`` on a 0.1 s tick and then pauses another 0.1 s for connections: with three
    fakes a test spent ~0.6 s just waiting there. A fake has no lifespan and its test is over,
    so: stop listening, close idle connections (one mid-response finishes first), cancel."""
    server = running.server
    for listener in server.servers:
        listener.close()
    for connection in list(server.server_state.connections):
        connection.shutdown()
    running.task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await running.task
    for listener in server.servers:
        await listener.wait_closed()


async def wait_until(predicate: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


@dataclass
class FakeTelegram:
    """Answers the Bot API methods the bot uses and records (method, params)."""

    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    retry_after: dict[str, list[int]] = field(default_factory=dict)  # method -> 429s to give
    updates: list[dict[str, Any]] = field(default_factory=list)  # served by getUpdates
    running: Running | None = None
    _next_id: int = 100

    @property
    def base_url(self) -> str:
        assert self.running is not None
        return f"{self.running.url}/bot"

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        return [p for m, p in self.calls if m == method]

    async def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> None:
        await wait_until(lambda: len(self.sent(method)) >= count, f"{count} x {method}", timeout)

    async def endpoint(self, request: Request) -> Response:
        method = request.path_params["method"]
        params = await _params(request)
        self.calls.append((method, params))
        pending = self.retry_after.get(method)
        if pending:
            seconds = pending.pop(0)
            return JSONResponse(
                {
                    "ok": False,
                    "error_code": 429,
                    "description": f"Too Many Requests: retry after {seconds}",
                    "parameters": {"retry_after": seconds},
                },
                status_code=429,
            )
        return JSONResponse({"ok": True, "result": self._result(method, params)})

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "Kaarigar",
                "username": "kaarigar_test_bot",
                "can_join_groups": False,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        if method in ("sendMessage", "sendPhoto", "sendInvoice"):
            self._next_id += 1
            msg: dict[str, Any] = {
                "message_id": self._next_id,
                "date": int(time.time()),
                "chat": {"id": int(params.get("chat_id", 0)), "type": "private"},
            }
            if method == "sendMessage":
                msg["text"] = params.get("text", "")
            elif method == "sendInvoice":
                total = sum(int(p["amount"]) for p in params.get("prices", []))
                msg["invoice"] = {
                    "title": params.get("title", ""),
                    "description": params.get("description", ""),
                    "start_parameter": "",
                    "currency": params.get("currency", ""),
                    "total_amount": total,
                }
            else:
                msg["photo"] = [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}]
            return msg
        if method == "getUpdates":
            out, self.updates[:] = list(self.updates), []
            return out
        return True


@dataclass
class FakeTwilio:
    """Captures ``messages.create`` and answers like Twilio's REST API."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    refused: list[dict[str, Any]] = field(default_factory=list)  # sends answered with an error
    invalid: set[str] = field(default_factory=set)  # "whatsapp:+..." numbers Twilio refuses
    running: Running | None = None

    @property
    def base_url(self) -> str:
        assert self.running is not None
        return self.running.url

    async def wait_for(self, count: int = 1, timeout: float = 10.0) -> None:
        await wait_until(lambda: len(self.messages) >= count, f"{count} twilio messages", timeout)

    async def create(self, request: Request) -> Response:
        pairs = parse_qsl((await request.body()).decode(), keep_blank_values=True)
        record: dict[str, Any] = dict(pairs)
        if record.get("To") in self.invalid:  # Twilio's error text names the number
            self.refused.append(record)
            return JSONResponse(
                {
                    "code": 21211,
                    "message": f"The 'To' number {record['To']} is not a valid phone number.",
                    "more_info": "https://www.twilio.com/docs/errors/21211",
                    "status": 400,
                },
                status_code=400,
            )
        record["MediaUrl"] = [v for k, v in pairs if k == "MediaUrl"]
        self.messages.append(record)
        sid = f"SM{len(self.messages):032d}"
        return JSONResponse(
            {
                "sid": sid,
                "account_sid": request.path_params["account"],
                "to": record.get("To"),
                "from": record.get("From"),
                "body": record.get("Body"),
                "status": "queued",
                "num_media": str(len(record["MediaUrl"])),
            },
            status_code=201,
        )


Responder = Callable[[str, str], Awaitable[list[dict[str, Any]]]]


@dataclass
class FakeRasa:
    """The REST channel: ``respond(sender, message)`` decides the answer; calls are recorded."""

    calls: list[tuple[float, str, str, dict[str, Any]]] = field(default_factory=list)
    respond: Responder | None = None
    status: int = 200
    running: Running | None = None

    @property
    def url(self) -> str:
        assert self.running is not None
        return self.running.url

    def messages(self, sender: str | None = None) -> list[str]:
        return [m for _, s, m, _ in self.calls if sender is None or s == sender]

    async def webhook(self, request: Request) -> Response:
        body = await request.json()
        self.calls.append((time.monotonic(), body["sender"], body["message"], body))
        if self.status != 200:
            return PlainTextResponse("boom", status_code=self.status)
        if self.respond is not None:
            answer = await self.respond(body["sender"], body["message"])
        else:
            answer = [{"recipient_id": body["sender"], "text": f"echo: {body['message']}"}]
        return JSONResponse(answer)

    async def root(self, request: Request) -> Response:
        return PlainTextResponse("Hello from Rasa: 3.6.21")


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram()
    app = Starlette(routes=[Route("/bot{token}/{method}", fake.endpoint, methods=["GET", "POST"])])
    fake.running = await serve(app)
    yield fake
    await stop_fake(fake.running)


@pytest.fixture
async def fake_twilio() -> AsyncIterator[FakeTwilio]:
    fake = FakeTwilio()
    app = Starlette(
        routes=[
            Route("/2010-04-01/Accounts/{account}/Messages.json", fake.create, methods=["POST"])
        ]
    )
    fake.running = await serve(app)
    yield fake
    await stop_fake(fake.running)


@pytest.fixture
async def fake_rasa() -> AsyncIterator[FakeRasa]:
    fake = FakeRasa()
    app = Starlette(
        routes=[
            Route("/webhooks/rest/webhook", fake.webhook, methods=["POST"]),
            Route("/", fake.root, methods=["GET"]),
        ]
    )
    fake.running = await serve(app)
    yield fake
    await stop_fake(fake.running)
