"""A payment gateway on loopback in Razorpay's Payment Links shape, for the payment tests.

It checks basic auth, keeps links in memory, answers create/fetch/cancel and refunds, and
builds webhook bodies for its links signed with the same HMAC the real gateway uses.
"""

from __future__ import annotations

import base64
import itertools
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.ops.serving import Running, serve
from bot.payments.webhooks import sign

KEY_ID = "rzp_test_kaarigar"
KEY_SECRET = "test-key-secret"
WEBHOOK_SECRET = "test-webhook-secret"


def _error(status: int, description: str) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": "BAD_REQUEST_ERROR", "description": description}}, status_code=status
    )


@dataclass
class FakeGateway:
    links: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    refunds: list[dict[str, Any]] = field(default_factory=list)
    down: bool = False  # answer 503 to everything, as during an outage
    lose_answers: int = 0  # make this many links but answer 504, as when the answer is lost
    running: Running | None = None
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))  # type: ignore[type-arg]

    @property
    def url(self) -> str:
        assert self.running is not None
        return self.running.url

    def _authorized(self, request: Request) -> bool:
        expected = base64.b64encode(f"{KEY_ID}:{KEY_SECRET}".encode()).decode()
        return request.headers.get("authorization") == f"Basic {expected}"

    async def _guard(self, request: Request) -> Response | dict[str, Any]:
        body = json.loads(await request.body() or b"{}")
        self.calls.append((request.method, request.url.path, body))
        if self.down:
            return _error(503, "service unavailable")
        if not self._authorized(request):
            return _error(401, "The api key provided is invalid")
        return body

    async def create(self, request: Request) -> Response:
        body = await self._guard(request)
        if isinstance(body, Response):
            return body
        amount = body.get("amount")
        if not isinstance(amount, int) or amount < 100:
            return _error(400, "The amount must be at least INR 1.00")
        if body.get("currency") != "INR":
            return _error(400, "Currency is not supported")
        reference = body.get("reference_id")
        if any(link["reference_id"] == reference for link in self.links.values()):
            return _error(400, f"Payment Link with reference {reference} already exists")
        link_id = f"plink_{next(self._ids):014d}"
        link = {
            "id": link_id,
            "short_url": f"{self.url}/pl/{link_id}",
            "status": "created",
            "amount": amount,
            "amount_paid": 0,
            "currency": "INR",
            "reference_id": reference,
            "description": body.get("description"),
            "expire_by": body.get("expire_by"),
            "notes": body.get("notes") or {},
            "payments": None,
        }
        self.links[link_id] = link
        if self.lose_answers:
            self.lose_answers -= 1
            return _error(504, "gateway timeout")
        return JSONResponse(link)

    async def search(self, request: Request) -> Response:
        body = await self._guard(request)
        if isinstance(body, Response):
            return body
        reference = request.query_params.get("reference_id")
        found = [lk for lk in self.links.values() if reference in (None, lk["reference_id"])]
        return JSONResponse({"count": len(found), "payment_links": found})

    async def fetch(self, request: Request) -> Response:
        body = await self._guard(request)
        if isinstance(body, Response):
            return body
        link = self.links.get(request.path_params["link_id"])
        return JSONResponse(link) if link else _error(400, "The id provided does not exist")

    async def cancel(self, request: Request) -> Response:
        body = await self._guard(request)
        if isinstance(body, Response):
            return body
        link = self.links.get(request.path_params["link_id"])
        if link is None:
            return _error(400, "The id provided does not exist")
        if link["status"] != "created":
            return _error(400, f"Payment Link cannot be cancelled in {link['status']} state")
        link["status"] = "cancelled"
        return JSONResponse(link)

    async def refund(self, request: Request) -> Response:
        body = await self._guard(request)
        if isinstance(body, Response):
            return body
        refund = {"id": f"rfnd_{next(self._ids):014d}", "payment_id": request.path_params["pid"]}
        refund["amount"] = body.get("amount")
        self.refunds.append(refund)
        return JSONResponse(refund)

    def pay(self, link_id: str, amount: int | None = None, currency: str = "INR") -> str:
        """The buyer pays the link (by default its full amount); returns the payment id."""
        link = self.links[link_id]
        payment_id = f"pay_{next(self._ids):014d}"
        paid = link["amount"] if amount is None else amount
        link["payments"] = [
            {"payment_id": payment_id, "amount": paid, "status": "captured", "method": "upi"}
        ]
        link["amount_paid"], link["status"], link["currency_paid"] = paid, "paid", currency
        return payment_id

    def webhook(
        self, link_id: str, event: str = "payment_link.paid", secret: str = WEBHOOK_SECRET
    ) -> tuple[bytes, dict[str, str]]:
        """The raw body and headers the gateway would post for this link's current state."""
        link = self.links[link_id]
        payload: dict[str, Any] = {"payment_link": {"entity": link}}
        if link["payments"]:
            made = link["payments"][0]
            payload["payment"] = {
                "entity": {
                    "id": made["payment_id"],
                    "amount": made["amount"],
                    "currency": link.get("currency_paid", "INR"),
                    "status": made["status"],
                    "method": made["method"],
                }
            }
        raw = json.dumps(
            {"entity": "event", "event": event, "contains": list(payload), "payload": payload}
        ).encode()
        headers = {
            "X-Razorpay-Signature": sign(raw, secret),
            "X-Razorpay-Event-Id": f"evt_{next(self._ids):014d}",
            "Content-Type": "application/json",
        }
        return raw, headers


@pytest.fixture
async def fake_gateway() -> AsyncIterator[FakeGateway]:
    fake = FakeGateway()
    app = Starlette(
        routes=[
            Route("/v1/payment_links", fake.create, methods=["POST"]),
            Route("/v1/payment_links", fake.search, methods=["GET"]),
            Route("/v1/payment_links/{link_id}", fake.fetch, methods=["GET"]),
            Route("/v1/payment_links/{link_id}/cancel", fake.cancel, methods=["POST"]),
            Route("/v1/payments/{pid}/refund", fake.refund, methods=["POST"]),
        ]
    )
    fake.running = await serve(app)
    yield fake
    await fake.running.stop()
