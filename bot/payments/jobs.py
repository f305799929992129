"""What ``kaarigar run`` does with the gateway besides webhooks: make links (again, when the
gateway was down), reconcile open links (the backstop for a lost webhook), and expire unpaid
orders, cancelling their links at the gateway after the cancellation is committed.

Database work is blocking and runs in a thread; gateway calls are awaited in the loop.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.payments.razorpay import GatewayError, GatewayRefused, PaymentLink, RazorpayClient
from bot.payments.webhooks import PROVIDER
from catalog import payment_expiry, payments
from catalog.db import transaction
from catalog.models import Order, Payment, PaymentStatus
from catalog.refs import ref

log = logging.getLogger(__name__)


def _link_request(factory: sessionmaker[Session], payment_id: int) -> tuple[int, str, str] | None:
    with factory() as session:
        payment = session.get(Payment, payment_id)
        if payment is None or payment.external_id or payment.status != PaymentStatus.PENDING:
            return None
        order = session.get(Order, payment.order_id)
        assert order is not None
        return payment.amount_minor, payments.reference(order), f"Kaarigar order {ref(order.id)}"


async def send_link(
    factory: sessionmaker[Session], client: RazorpayClient, payment_id: int, expire_by: datetime
) -> PaymentLink | None:
    """Create the gateway link of a pending payment and attach it; None if the gateway is down
    (``payments.links_to_create`` finds it again) or the payment no longer needs one."""
    request = await asyncio.to_thread(_link_request, factory, payment_id)
    if request is None:
        return None
    amount, reference, description = request

    async def create(reference_id: str) -> PaymentLink:
        return await client.create_link(
            amount_minor=amount, reference_id=reference_id, description=description,
            expire_by=expire_by, notes={"order": reference},
        )  # fmt: skip

    try:
        try:
            link = await create(reference)
        except GatewayRefused:
            # The gateway has a link with this reference: ours, made by a call whose answer
            # was lost (adopt it while it is open), or an earlier attempt's that has closed
            # (make a new one under a reference of its own, still starting with the order's).
            made = await client.links_by_reference(reference)
            if not made:
                raise
            open_ = [lk for lk in made if lk.status == "created" and lk.amount_minor == amount]
            link = open_[0] if open_ else await create(f"{reference}-{payment_id}")
    except GatewayError as exc:
        log.warning("payment link for order %s not made yet: %s", reference, exc)
        return None

    def attach() -> None:
        with transaction(factory) as session:
            payment = session.get(Payment, payment_id)
            assert payment is not None
            payments.attach_link(session, payment, link.id, link.short_url)

    await asyncio.to_thread(attach)
    return link


def _open(factory: sessionmaker[Session]) -> list[str]:
    with factory() as session:
        return [p.external_id for p in payments.open_links(session) if p.external_id]


def _apply(factory: sessionmaker[Session], link: PaymentLink) -> str:
    with transaction(factory) as session:
        if link.status == "paid" and (made := link.captured()) is not None:
            return payments.confirm_paid(
                session, PROVIDER, link.id, made.amount_minor, link.currency,
                event_id=f"reconcile:{link.id}:{made.payment_id}", charge_id=made.payment_id,
            ).result  # fmt: skip
        if link.status in (PaymentStatus.EXPIRED, PaymentStatus.CANCELLED):
            payments.link_closed(session, PROVIDER, link.id, link.status)
            return link.status
        return "open"


async def reconcile(factory: sessionmaker[Session], client: RazorpayClient) -> dict[str, str]:
    """Fetch every open link's status and apply what the webhooks may have missed."""
    results: dict[str, str] = {}
    for link_id in await asyncio.to_thread(_open, factory):
        try:
            link = await client.fetch_link(link_id)
        except GatewayError as exc:
            log.warning("reconcile: link not read: %s", exc)
            continue
        results[link_id] = await asyncio.to_thread(_apply, factory, link)
    return results


async def expire(
    factory: sessionmaker[Session],
    client: RazorpayClient | None,
    now: datetime,
    timeout: timedelta,
) -> payment_expiry.ExpiryResult:
    """Remind and cancel unpaid orders (committed first), then cancel their gateway links."""

    def run() -> payment_expiry.ExpiryResult:
        with transaction(factory) as session:
            return payment_expiry.expire_due(session, now, timeout)

    result = await asyncio.to_thread(run)
    for cancel in result.gateway_cancels:
        if client is None:
            break
        try:
            await client.cancel_link(cancel.external_id)
        except GatewayError as exc:  # the link expires by itself at expire_by anyway
            log.warning("link of order %s not cancelled: %s", cancel.order_id, exc)
    return result
