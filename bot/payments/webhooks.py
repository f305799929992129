"""The gateway's webhooks: check the signature before reading anything, parse the event into a
small neutral record, and apply it to the catalog once.

The web route (``POST /webhooks/razorpay``) only has to pass the raw body and two headers to
``process``; the answer's status is what the gateway gets back (it retries anything not 2xx).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from catalog import payments
from catalog.db import reading, transaction
from catalog.models import PaymentStatus

PROVIDER = "razorpay"
log = logging.getLogger(__name__)


class InvalidEvent(ValueError):
    """A signed body that is not an event we can read."""


@dataclass(frozen=True)
class GatewayEvent:
    """What a webhook says, whatever gateway sent it."""

    kind: str  # paid, partially_paid, expired, cancelled, or the gateway's own name
    link_id: str | None
    reference_id: str | None
    payment_id: str | None
    amount_minor: int | None
    currency: str | None
    method: str | None


@dataclass(frozen=True)
class WebhookResult:
    status_code: int
    outcome: str  # paid, duplicate, mismatch, refund_due, unknown, expired, ignored, forged...


def sign(raw_body: bytes, secret: str) -> str:
    """Hex HMAC-SHA256 of the raw body: what ``X-Razorpay-Signature`` carries."""
    return hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()


def verify_signature(raw_body: bytes, header: str | None, secret: str) -> bool:
    """True only for the exact body signed with ``secret``; compared in constant time."""
    if not header or not secret:
        return False
    return hmac.compare_digest(sign(raw_body, secret), header.strip().lower())


def parse_event(raw_body: bytes) -> GatewayEvent:
    """``{"event": "payment_link.paid", "payload": {"payment_link": {"entity": ..},
    "payment": {"entity": ..}}}`` into a GatewayEvent; raises InvalidEvent."""
    try:
        body = json.loads(raw_body)
        name = str(body["event"])
        payload: dict[str, Any] = body.get("payload") or {}
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidEvent(f"not a gateway event: {type(exc).__name__}") from None
    link = (payload.get("payment_link") or {}).get("entity") or {}
    payment = (payload.get("payment") or {}).get("entity") or {}
    try:
        amount = int(payment["amount"]) if "amount" in payment else None
    except (TypeError, ValueError):
        raise InvalidEvent("payment amount is not a number") from None
    return GatewayEvent(
        kind=name.removeprefix("payment_link."),
        link_id=link.get("id"),
        reference_id=link.get("reference_id"),
        payment_id=payment.get("id"),
        amount_minor=amount,
        currency=payment.get("currency"),
        method=payment.get("method"),
    )


def process(
    factory: sessionmaker[Session],
    raw_body: bytes,
    signature: str | None,
    event_id: str | None,
    secret: str,
) -> WebhookResult:
    """Verify, parse and apply one webhook in its own transaction (blocking: run in a thread)."""
    if not verify_signature(raw_body, signature, secret):
        return WebhookResult(401, "forged")
    try:
        event = parse_event(raw_body)
    except InvalidEvent:
        return WebhookResult(400, "invalid")
    if event.link_id is None:
        log.info("gateway event %s without a payment link: ignored", event.kind)
        return WebhookResult(200, "ignored")
    event_id = event_id or f"{event.link_id}:{event.payment_id}"
    if event.kind == "paid":
        if event.amount_minor is None or not event.currency:
            return WebhookResult(400, "invalid")
        with reading(factory) as session:  # the gateway's retries: answered without a write
            if payments.event_seen(session, PROVIDER, event_id):
                return WebhookResult(200, "duplicate")
    with transaction(factory) as session:
        if event.kind == "paid":
            assert event.amount_minor is not None and event.currency
            outcome = payments.confirm_paid(
                session, PROVIDER, event.link_id, event.amount_minor, event.currency,
                event_id=event_id, charge_id=event.payment_id,
            ).result  # fmt: skip
        elif event.kind in (PaymentStatus.EXPIRED, PaymentStatus.CANCELLED):
            found = payments.link_closed(session, PROVIDER, event.link_id, event.kind)
            outcome = event.kind if found is not None else "unknown"
        else:
            outcome = "ignored"  # partially_paid: the link stays open, the order unpaid
    if outcome == "unknown":
        log.warning("gateway event %s for an unknown payment link", event.kind)
    return WebhookResult(200, outcome)
