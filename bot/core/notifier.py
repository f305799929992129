"""Deliver the catalog outbox: new orders to a jail's staff, shipped/cancelled to the buyer.

Each notification is claimed in the StateStore before sending, so several web app processes
never send one twice; it is marked sent in the database afterwards.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.core.state import StateStore, key
from catalog import customers, outbox
from catalog.db import transaction
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

    def _load(self) -> list[Delivery]:
        with self.sessions() as session:
            found = [_delivery(session, n) for n in outbox.pending(session)]
            session.rollback()
        return [d for d in found if d is not None and d.channel in self.senders]

    def _finish(self, note_id: int, sent: bool) -> None:
        with transaction(self.sessions) as session:
            note = session.get(Notification, note_id)
            if note is None:
                return
            if sent:
                outbox.mark_sent(note)
            else:
                outbox.mark_failed(note)

    async def run_once(self) -> int:
        """Send every pending notification once; returns how many were sent."""
        sent = 0
        for d in await asyncio.to_thread(self._load):
            claim = key(*(p for p in (self.namespace, "outbox", d.id) if p != ""))
            if not await self.store.add_once(claim, 300):
                continue  # another process is sending it
            try:
                ok = await self.senders[d.channel](d)
            except Exception as exc:  # noqa: BLE001 - one bad recipient must not stop the rest
                log.warning("notification %s (%s) failed: %r", d.id, d.kind, exc)
                ok = False
            await asyncio.to_thread(self._finish, d.id, ok)
            if not ok:
                await self.store.delete(claim)  # retry on a later round
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
