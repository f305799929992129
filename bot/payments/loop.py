"""The payments loop inside ``kaarigar run``: make the payment links the gateway has not made
yet and tell the buyer, reconcile open links, and expire unpaid orders.

Each kind of round is claimed in the StateStore first, so with several web app processes
(shared Redis) only one of them runs it per interval, and never while another process still
runs the previous one (a lease, released at the round's end). The buyer's link notification is written
in the same transaction that attaches the link, so a link is never attached without the buyer
being told, nor told twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.core.state import StateStore, key
from bot.payments import jobs
from bot.payments.razorpay import GatewayError, PaymentLink, RazorpayClient
from catalog import outbox, payments
from catalog.db import transaction
from catalog.models import Order, OrderStatus, Payment, PaymentStatus, utcnow
from catalog.refs import ref

log = logging.getLogger(__name__)

MIN_LINK_LIFE = timedelta(minutes=16)  # the gateway refuses an expire_by under 15 minutes
ROUND_LEASE = 120.0  # seconds a round may run before another process may take over


@dataclass(frozen=True)
class Intervals:
    """Seconds between rounds of each job."""

    links: float = 5.0
    reconcile: float = 300.0
    expire: float = 60.0

    @classmethod
    def of(cls, value: Intervals | float) -> Intervals:
        """An ``Intervals``, or one number for all three (tests)."""
        return value if isinstance(value, Intervals) else cls(value, value, value)


DEFAULT_INTERVALS = Intervals()


@dataclass(frozen=True)
class LinkJob:
    """A pending gateway payment without a link, read out of its session."""

    payment_id: int
    order_id: int
    amount_minor: int
    currency: str
    reference: str
    expire_by: datetime


def _link_jobs(factory: sessionmaker[Session], now: datetime) -> list[LinkJob]:
    with factory() as session:
        found = []
        for p in payments.links_to_create(session):
            order = session.get(Order, p.order_id)
            assert order is not None
            due = payments.aware(order.payment_due_at) if order.payment_due_at else now
            found.append(
                LinkJob(
                    p.id,
                    order.id,
                    p.amount_minor,
                    p.currency,
                    payments.reference(order),
                    max(due, now + MIN_LINK_LIFE),
                )  # fmt: skip
            )
        return found


def _attach(factory: sessionmaker[Session], job: LinkJob, link: PaymentLink) -> bool:
    """Attach the link and write the buyer's message with it; False when the order no longer
    waits for it (the link is attached anyway, so a payment on it is still recognised)."""
    with transaction(factory) as session:
        order = payments.lock_order(session, job.order_id)
        payment = session.get(Payment, job.payment_id, populate_existing=True)
        if payment is None or payment.external_id is not None:
            return False  # another process attached one meanwhile
        payments.attach_link(session, payment, link.id, link.short_url)
        if payment.status != PaymentStatus.PENDING or order.status != OrderStatus.PLACED:
            return False
        outbox.payment_link(session, order, payment.amount_minor, link.short_url)
        return True


async def send_link(
    factory: sessionmaker[Session], client: RazorpayClient, job: LinkJob
) -> PaymentLink | None:
    """Create the link at the gateway, attach it and queue it for the buyer; None when the
    gateway is down or refused (the next round tries again)."""
    try:
        link = await client.create_link(
            amount_minor=job.amount_minor, reference_id=job.reference,
            description=f"Kaarigar order {ref(job.order_id)}", expire_by=job.expire_by,
            currency=job.currency, notes={"order": job.reference},
        )  # fmt: skip
    except GatewayError as exc:
        log.warning("payment link for order %s not made yet: %s", job.reference, exc)
        return None
    if not await asyncio.to_thread(_attach, factory, job, link):
        try:
            await client.cancel_link(link.id)
        except GatewayError as exc:
            log.warning("unneeded link of order %s not cancelled: %s", job.reference, exc)
        return None
    return link


@dataclass
class PaymentsLoop:
    """Runs the three payment jobs on their intervals until cancelled."""

    sessions: sessionmaker[Session]
    store: StateStore
    client: RazorpayClient | None
    timeout: timedelta
    intervals: Intervals = field(default_factory=Intervals)
    namespace: str = ""

    async def _claim(self, kind: str, interval: float) -> bool:
        """Take this interval's round of ``kind`` and the lease of running it; False when
        another process took the round, or still runs its previous one."""
        base = [p for p in (self.namespace, "payments-round", kind) if p != ""]
        if not await self.store.add_once(key(*base), interval * 0.9):
            return False
        return await self.store.add_once(key(*base, "running"), ROUND_LEASE)

    async def _release(self, kind: str) -> None:
        base = [p for p in (self.namespace, "payments-round", kind) if p != ""]
        await self.store.delete(key(*base, "running"))

    async def links_round(self) -> int:
        """Make every missing link; returns how many were sent to buyers."""
        if self.client is None or not await self._claim("links", self.intervals.links):
            return 0
        try:
            sent = 0
            for job in await asyncio.to_thread(_link_jobs, self.sessions, utcnow()):
                sent += await send_link(self.sessions, self.client, job) is not None
            return sent
        finally:
            await self._release("links")

    async def reconcile_round(self) -> dict[str, str]:
        if self.client is None or not await self._claim("reconcile", self.intervals.reconcile):
            return {}
        try:
            return await jobs.reconcile(self.sessions, self.client)
        finally:
            await self._release("reconcile")

    async def expire_round(self) -> list[int]:
        """Remind and cancel what is due; returns the cancelled order ids."""
        if not await self._claim("expire", self.intervals.expire):
            return []
        try:
            result = await jobs.expire(self.sessions, self.client, utcnow(), self.timeout)
            return result.cancelled
        finally:
            await self._release("expire")

    async def _every(self, seconds: float, name: str, job: Callable[[], Awaitable[object]]) -> None:
        while True:
            try:
                await job()
            except Exception:  # noqa: BLE001 - keep going after a database or Redis hiccup
                log.exception("payments %s round failed", name)
            await asyncio.sleep(seconds)

    async def run(self) -> None:
        """Loop until cancelled."""
        await asyncio.gather(
            self._every(self.intervals.links, "links", self.links_round),
            self._every(self.intervals.reconcile, "reconcile", self.reconcile_round),
            self._every(self.intervals.expire, "expire", self.expire_round),
        )
