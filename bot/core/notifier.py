"""Deliver the catalog outbox: new orders to a jail's staff, shipped/cancelled to the buyer.

One notification at a time: ``catalog.outbox.claim_next`` takes the oldest pending row in a
transaction that stays open while it is sent (on PostgreSQL the row is locked ``FOR UPDATE SKIP
LOCKED``, so another process skips it), and the same transaction marks it sent or failed. The
StateStore claim also keeps processes apart where rows cannot be locked (SQLite with Redis).
All SQL is in ``catalog.outbox``; this module owns the transaction and the sending.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from bot.core.state import StateStore, key
from catalog import customers, outbox
from catalog.models import Notification

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    """What a channel needs to deliver one notification (no ORM objects cross threads)."""

    id: int
    kind: str
    channel: str
    user_id: str
    text: str
    last_inbound_at: datetime | None


Send = Callable[[Delivery], Awaitable[bool]]
"""Deliver on the recipient's channel; False when it cannot be delivered now."""

T = TypeVar("T")


async def _in_thread(fn: Callable[..., T], *args: Any) -> T:
    """``fn`` in a worker thread. If the caller is cancelled meanwhile, wait for the thread to
    finish before the cancellation goes on: the session it uses must not be closed under it."""
    work = asyncio.ensure_future(asyncio.to_thread(fn, *args))
    try:
        return await asyncio.shield(work)
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):
            await work
        raise


def _delivery(session: Session, note: Notification) -> Delivery | None:
    if note.staff is not None:
        channel, user = note.staff.channel, note.staff.channel_user_id
        seen = customers.last_seen(session, channel, user)  # WhatsApp's 24-hour window
        return Delivery(note.id, note.kind, channel, user, note.text, seen)
    customer = note.customer
    if customer is None or not customer.channel_user_id:
        return None
    return Delivery(
        note.id,
        note.kind,
        customer.channel,
        customer.channel_user_id,
        note.text,
        customer.last_inbound_at,
    )


class OutboxWorker:
    """Polls the outbox and sends what is pending through per-channel senders."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        store: StateStore,
        senders: dict[str, Send],
        *,
        interval: float = 2.0,
        namespace: str = "",
    ) -> None:
        self.sessions = sessions
        self.store = store
        self.senders = senders
        self.interval = interval
        self.namespace = namespace

    def _claim(self, session: Session, after_id: int) -> tuple[int, Delivery | None] | None:
        note = outbox.claim_next(session, after_id)
        if note is None:
            return None
        d = _delivery(session, note)
        return note.id, d if d is not None and d.channel in self.senders else None

    @staticmethod
    def _finish(session: Session, note_id: int, sent: bool) -> None:
        outbox.release_read(session)
        if sent:
            outbox.mark_sent(session, note_id)
        else:
            outbox.mark_failed(session, note_id)
        session.commit()

    async def _deliver(self, d: Delivery) -> bool:
        try:
            return await self.senders[d.channel](d)
        except Exception as exc:  # noqa: BLE001 - one bad recipient must not stop the rest
            log.warning("notification %s (%s) failed: %r", d.id, d.kind, exc)
            return False

    async def _send_next(self, after_id: int) -> tuple[int, bool] | None:
        """Claim, send and mark the next notification after ``after_id`` in one transaction;
        None when nothing is left, else (its id, whether it was sent)."""
        session = self.sessions()
        try:
            claimed = await _in_thread(self._claim, session, after_id)
            if claimed is None:
                return None
            note_id, d = claimed
            if d is None:
                return note_id, False  # no channel here for that recipient: left as it is
            claim = key(*(p for p in (self.namespace, "outbox", d.id) if p != ""))
            if not await self.store.add_once(claim, 300):
                return note_id, False  # another process is sending it
            ok = await self._deliver(d)
            try:
                await _in_thread(self._finish, session, note_id, ok)
            finally:
                if not ok:
                    await self.store.delete(claim)  # retry on a later round
            return note_id, ok
        finally:
            # Rolls back whatever was not committed (and so frees the row), also when the
            # worker is cancelled mid-send: whoever cancels it awaits it (bot/web.py).
            await _in_thread(session.close)

    async def run_once(self, limit: int = 50) -> int:
        """Send up to ``limit`` pending notifications once each; returns how many were sent."""
        sent = 0
        after_id = 0
        for _ in range(limit):
            step = await self._send_next(after_id)
            if step is None:
                break
            after_id, ok = step
            sent += ok
        return sent

    async def run(self) -> None:
        """Loop until cancelled."""
        while True:
            try:
                await self.run_once()
            except Exception:  # noqa: BLE001 - keep delivering after a database hiccup
                log.exception("outbox round failed")
            await asyncio.sleep(self.interval)
