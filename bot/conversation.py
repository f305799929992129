"""The channel-neutral core: each inbound message once, one at a time per buyer, staff first.

Front ends call ``Conversation.handle`` with an ``Inbound`` and render the replies it returns.
``None`` means "send nothing" (a duplicate, or a flood already warned about).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field, replace

from sqlalchemy.orm import Session, sessionmaker

from bot.locks import KeyedLocks
from bot.messages import Inbound, Reply
from bot.rasa_client import DEFAULT_CATEGORIES, RasaClient
from bot.state import StateStore, key
from catalog import customers
from catalog.db import transaction
from catalog.search import categories as catalog_categories

log = logging.getLogger(__name__)

StaffHandler = Callable[[Inbound], Awaitable[list[Reply] | None]]
"""Answers a staff command from a registered staff member, or None to pass the message on."""

PayloadDecoder = Callable[[str], Awaitable[str | None]]
"""Turns a front end's button data back into the payload (None: expired or forged)."""


@dataclass(frozen=True)
class Limits:
    dedup_ttl: float = 7 * 24 * 3600.0  # Telegram and Twilio retry for well under a week
    rate_window: float = 60.0
    rate_max: int = 30  # messages per sender per window
    choices_ttl: float = 24 * 3600.0
    lock_ttl: float = 60.0


RECORD_EVERY = 300  # seconds: how stale a customer's last_inbound_at may get (the window is 24 h)
FLOOD_REPLY = Reply(text="You are sending messages very fast. Please wait a minute and try again.")


@dataclass
class Conversation:
    """Wires a message through de-duplication, rate limiting, staff routing and Rasa."""

    rasa: RasaClient
    store: StateStore
    secret: str
    sessions: sessionmaker[Session] | None = None
    staff: StaffHandler | None = None
    limits: Limits = field(default_factory=Limits)
    numbered_channels: Collection[str] = ("whatsapp", "console")
    namespace: str = ""  # isolates tests sharing one Redis
    decode_payload: PayloadDecoder | None = None
    _locks: KeyedLocks = field(init=False)
    _categories: tuple[float, list[str]] = field(init=False, default=(0.0, []))

    def __post_init__(self) -> None:
        self._locks = KeyedLocks(self.store, ttl=self.limits.lock_ttl)

    def _key(self, *parts: str | int) -> str:
        return key(*(p for p in (self.namespace, *parts) if p != ""))

    def sender(self, inbound: Inbound) -> str:
        """The pseudonym Rasa and the logs see instead of a phone number or chat id."""
        return customers.sender_id(inbound.channel, inbound.user_id, self.secret)

    async def handle(self, inbound: Inbound) -> list[Reply] | None:
        """Process one inbound message exactly once, after this buyer's earlier ones."""
        sender = self.sender(inbound)
        # Take the per-buyer lock before any other await, so arrival order is kept.
        async with self._locks.hold(self._key("sender", sender)):
            seen = self._key("seen", inbound.channel, inbound.message_id)
            if not await self.store.add_once(seen, self.limits.dedup_ttl):
                log.info("duplicate %s message from %s dropped", inbound.channel, sender)
                return None
            count = await self.store.incr(self._key("rate", sender), self.limits.rate_window)
            if count > self.limits.rate_max:
                log.warning("sender %s over the rate limit (%d)", sender, count)
                return [FLOOD_REPLY] if count == self.limits.rate_max + 1 else None
            await self._record(inbound, sender)
            inbound = await self._decoded(inbound)
            if self.staff is not None:
                staff_replies = await self.staff(inbound)
                if staff_replies is not None:
                    return staff_replies
            return await self._ask_rasa(inbound, sender)

    async def _decoded(self, inbound: Inbound) -> Inbound:
        """Resolve short button tokens; an unknown token becomes an empty message (the menu)."""
        if inbound.button_payload is None or self.decode_payload is None:
            return inbound
        payload = await self.decode_payload(inbound.button_payload)
        return replace(inbound, text=payload or "", button_payload=payload or None)

    async def _ask_rasa(self, inbound: Inbound, sender: str) -> list[Reply]:
        text = await self._resolve_choice(inbound, sender)
        metadata = {"channel": inbound.channel}
        if inbound.media_url:
            metadata["media_url"] = inbound.media_url
        replies = await self.rasa.reply(sender, text, metadata, await self._category_names())
        if inbound.channel in self.numbered_channels:
            await self._remember_choices(sender, replies)
        return replies

    async def _resolve_choice(self, inbound: Inbound, sender: str) -> str:
        """A pressed button's payload, or a bare number picking a remembered choice."""
        if inbound.button_payload:
            return inbound.button_payload
        text = inbound.text.strip()
        if inbound.channel in self.numbered_channels and text.isdigit():
            choices = await self.store.get_json(self._key("choices", sender)) or []
            n = int(text)
            if 1 <= n <= len(choices):
                return str(choices[n - 1])
        return text

    async def _remember_choices(self, sender: str, replies: list[Reply]) -> None:
        payloads = [b.payload for r in replies for b in r.buttons]
        k = self._key("choices", sender)
        if payloads:
            await self.store.set_json(k, payloads, self.limits.choices_ttl)
        else:
            await self.store.delete(k)

    async def _record(self, inbound: Inbound, sender: str) -> None:
        """Create or touch the customer (for notifications and the 24-hour window), at most once
        per buyer every few minutes: a database write must not sit in front of every turn."""
        if self.sessions is None or inbound.channel == "console":
            return
        if not await self.store.add_once(self._key("recorded", sender), RECORD_EVERY):
            return
        sessions = self.sessions

        def work() -> None:
            with transaction(sessions) as session:
                customers.ensure(session, inbound.channel, inbound.user_id, self.secret)

        try:
            await asyncio.to_thread(work)
        except Exception:  # noqa: BLE001 - a DB hiccup must not cost the buyer an answer
            log.exception("could not record customer for %s", self.sender(inbound))

    async def _category_names(self) -> list[str]:
        """The catalog's categories for the fallback menu, cached for five minutes."""
        cached_at, names = self._categories
        if names and time.monotonic() - cached_at < 300:
            return names
        if self.sessions is None:
            return list(DEFAULT_CATEGORIES)
        sessions = self.sessions

        def work() -> list[str]:
            with sessions() as session:
                return [name for name, _count in catalog_categories(session)]

        try:
            names = await asyncio.to_thread(work) or list(DEFAULT_CATEGORIES)
        except Exception:  # noqa: BLE001 - the fallback must work with the database down too
            return list(DEFAULT_CATEGORIES)
        self._categories = (time.monotonic(), names)
        return names
