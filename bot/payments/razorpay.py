"""A client of the gateway's Payment Links API (Razorpay's shape) over an injected httpx client.

Why httpx and not the official ``razorpay`` SDK: the SDK is synchronous and built on
``requests``, so every call would block the web app's event loop or need a thread, and tests
could not swap its transport. httpx is already our HTTP client; an injected
``httpx.AsyncClient`` pointed at ``base_url`` lets tests use a loopback fake.

Errors::

    GatewayError
    ├── GatewayUnavailable   network failure, timeout or 5xx: try again later
    └── GatewayRefused       4xx: the request itself is wrong (bad key, bad amount)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

DEFAULT_BASE_URL = "https://api.razorpay.com"


class GatewayError(Exception):
    """Base of the gateway client's errors."""


class GatewayUnavailable(GatewayError):
    pass


class GatewayRefused(GatewayError):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(f"gateway refused ({status}): {description}")
        self.status = status
        self.description = description


@dataclass(frozen=True)
class LinkPayment:
    """One payment made on a link, as the link reports it."""

    payment_id: str
    amount_minor: int
    status: str  # captured, authorized, failed, ...
    method: str | None


@dataclass(frozen=True)
class PaymentLink:
    id: str
    short_url: str
    status: str  # created, paid, partially_paid, expired, cancelled
    amount_minor: int
    amount_paid_minor: int
    currency: str
    reference_id: str | None
    payments: tuple[LinkPayment, ...] = ()

    def captured(self) -> LinkPayment | None:
        """The payment that paid the link, if one did."""
        return next((p for p in self.payments if p.status == "captured"), None)


def parse_link(entity: dict[str, Any]) -> PaymentLink:
    """A link entity from an API answer or a webhook payload."""
    made = tuple(
        LinkPayment(
            payment_id=str(p.get("payment_id") or p.get("id")),
            amount_minor=int(p.get("amount", 0)),
            status=str(p.get("status", "")),
            method=p.get("method"),
        )
        for p in entity.get("payments") or ()
    )
    return PaymentLink(
        id=str(entity["id"]),
        short_url=str(entity.get("short_url", "")),
        status=str(entity.get("status", "")),
        amount_minor=int(entity.get("amount", 0)),
        amount_paid_minor=int(entity.get("amount_paid", 0)),
        currency=str(entity.get("currency", "")),
        reference_id=entity.get("reference_id"),
        payments=made,
    )


class RazorpayClient:
    """Create, read and cancel payment links; refund a payment."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        key_id: str,
        key_secret: str,
        base_url: str = DEFAULT_BASE_URL,
    ) -> None:
        self._http = http
        self._auth = httpx.BasicAuth(key_id, key_secret)
        self._base = base_url.rstrip("/")

    async def create_link(
        self,
        *,
        amount_minor: int,
        reference_id: str,
        description: str,
        expire_by: datetime,
        currency: str = "INR",
        notes: dict[str, str] | None = None,
    ) -> PaymentLink:
        """``POST /v1/payment_links``; the amount in paise, shipping included."""
        body = {
            "amount": amount_minor,
            "currency": currency,
            "reference_id": reference_id,
            "description": description[:2048],
            "expire_by": int(expire_by.timestamp()),
            "notify": {"sms": False, "email": False},  # we send the link in the chat
            "reminder_enable": False,  # and remind ourselves
            "notes": notes or {},
        }
        return parse_link(await self._call("POST", "/v1/payment_links", body))

    async def links_by_reference(self, reference_id: str) -> list[PaymentLink]:
        """``GET /v1/payment_links?reference_id=...``: the links made with this reference."""
        answer = await self._call("GET", "/v1/payment_links", params={"reference_id": reference_id})
        return [parse_link(entity) for entity in answer.get("payment_links") or ()]

    async def fetch_link(self, link_id: str) -> PaymentLink:
        return parse_link(await self._call("GET", f"/v1/payment_links/{link_id}"))

    async def cancel_link(self, link_id: str) -> PaymentLink:
        return parse_link(await self._call("POST", f"/v1/payment_links/{link_id}/cancel"))

    async def refund(self, payment_id: str, amount_minor: int | None = None) -> str:
        """``POST /v1/payments/{id}/refund`` (all of it by default); returns the refund id."""
        body = {} if amount_minor is None else {"amount": amount_minor}
        answer = await self._call("POST", f"/v1/payments/{payment_id}/refund", body)
        return str(answer["id"])

    async def _call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        try:
            response = await self._http.request(
                method, self._base + path, json=body, params=params, auth=self._auth
            )
        except httpx.HTTPError as exc:
            raise GatewayUnavailable(f"{method} {path}: {type(exc).__name__}") from None
        if response.status_code >= 500:
            raise GatewayUnavailable(f"{method} {path}: HTTP {response.status_code}")
        if response.status_code >= 400:
            try:
                description = str(response.json()["error"]["description"])
            except (ValueError, KeyError, TypeError):
                description = response.reason_phrase
            raise GatewayRefused(response.status_code, description)
        return dict(response.json())
