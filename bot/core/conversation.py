"""The channel-neutral core: each inbound message once, one at a time per buyer, staff first.

Front ends call ``Conversation.handle`` with an ``Inbound`` and render the replies it returns.
``None`` means "send nothing" (a duplicate, or a flood already warned about). Webhooks call
``accept`` first and answer 503 on ``StoreUnavailable``, so no message is acknowledged and then
lost; they pass ``accepted=True`` to ``handle``.

With Redis, ``accept`` also records the message as pending, owned by this process
(``bot/core/pending.py``): if the process dies before the turn is over, another one takes the
message over. The turn checks it still owns the message before it starts and before its
replies are sent, so exactly one process answers it.

Order: a message accepted upstream waits, before it joins the buyer's line, until the buyer's
messages accepted before it are done (``PendingTurns.in_order`` across processes, in Redis;
``LocalOrder`` in one process without Redis), so the order of acceptance is the order of the
turns even when consecutive messages reach different web apps.

Fairness: a sender's rate limit and the length of their line are checked before waiting for
their turn, so a flood is refused at once and never holds the slots other buyers need.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import TypeVar

from sqlalchemy.orm import Session, sessionmaker

from bot.core import greeting, order_words, scripts
from bot.core.locks import KeyedLocks
from bot.core.messages import Inbound, Reply
from bot.core.pending import Begun, LocalOrder, PendingTurns
from bot.core.product_names import ProductNames
from bot.core.rasa_client import DEFAULT_CATEGORIES, RasaClient, RasaUnavailable, fallback
from bot.core.relay import Relay, for_the_bot
from bot.core.scripts import UNSERVED_REPLY_TEXT, other_latin_language, unserved
from bot.core.state import StateStore, StoreUnavailable, key
from catalog import customers, dedup, notices, outbox, payment_methods
from catalog.db import reading, transaction
from catalog.models import utcnow
from catalog.search import categories as catalog_categories

log = logging.getLogger(__name__)
T = TypeVar("T")

StaffHandler = Callable[[Inbound], Awaitable[list[Reply] | None]]
"""Answers a staff command from a registered staff member, or None to pass the message on."""

PayloadDecoder = Callable[[str], Awaitable[str | None]]
"""Turns a front end's button data back into the payload (None: expired or forged)."""


@dataclass(frozen=True)
class Limits:
    dedup_ttl: float = 7 * 24 * 3600.0  # Telegram and Twilio retry for well under a week
    # Two fixed windows per sender. A buyer tapping menu buttons as fast as the replies come
    # sends about one message a second, in short runs (menu, category, product, add, "2",
    # checkout...): 30 a minute was reached in normal use. 20 in 10 s lets a person tap at
    # two a second and still stops a script within seconds; 60 a minute is a tap every
    # second for a whole minute, which no one reading the replies does, and keeps a flooder
    # to one Rasa turn a second (~0.1-0.3 s of CPU each), a fraction of one of our two cores.
    burst_window: float = 10.0
    burst_max: int = 20  # messages per sender per burst window
    rate_window: float = 60.0
    rate_max: int = 60  # messages per sender per window
    choices_ttl: float = 24 * 3600.0
    lock_ttl: float = 10.0  # renewed while held; a dead holder's lock frees after this
    queue_max: int = 5  # a sender's messages that may wait behind the one being answered
    # At most this long for the buyer's earlier accepted messages, then go on regardless (as
    # long as the buyer's lock is waited for): a lost message must not hold a buyer for good.
    order_wait: float = 120.0


RECORD_EVERY = 300  # seconds: how stale a customer's last_inbound_at may get (the window is 24 h)
PURGE_EVERY = 3600.0  # seconds between purges of old seen-message records in the database
LONGEST = 1000  # characters: a longer message (a pasted page) is not read (notice "too_long")
# The flood replies live in the notices catalog (catalog/notices.py: "flood_burst" says wait a
# few seconds, "flood_minute" a minute), in every language the buyers are served in.
FLOOD_REPLY = Reply(text=notices.TEXTS["flood_minute"]["en"])


@dataclass
class Conversation:
    """Wires a message through de-duplication, rate limiting, staff routing and Rasa."""

    rasa: RasaClient
    store: StateStore
    secret: str
    sessions: sessionmaker[Session] | None = None
    staff: StaffHandler | None = None
    limits: Limits = field(default_factory=Limits)
    namespace: str = ""  # isolates tests sharing one Redis
    decode_payload: PayloadDecoder | None = None
    pending: PendingTurns | None = None  # with Redis: acknowledged messages survive this process
    relay: Relay | None = None  # talking to a person; one on this store by default
    _locks: KeyedLocks = field(init=False)
    _order: LocalOrder = field(init=False, default_factory=LocalOrder)
    _waiting: dict[str, int] = field(init=False, default_factory=dict)  # in order, not in line
    _categories: tuple[float, list[str]] = field(init=False, default=(0.0, []))
    _purged_at: float = field(init=False, default=float("-inf"))
    _names: ProductNames = field(init=False)

    def __post_init__(self) -> None:
        self._locks = KeyedLocks(self.store, ttl=self.limits.lock_ttl)
        self._names = ProductNames(self.sessions)
        if self.relay is None:
            self.relay = Relay(self.store, self.sessions, self.namespace)

    def _key(self, *parts: str | int) -> str:
        return key(*(p for p in (self.namespace, *parts) if p != ""))

    def sender(self, inbound: Inbound) -> str:
        """The pseudonym Rasa and the logs see instead of a phone number or chat id."""
        return customers.sender_id(inbound.channel, inbound.user_id, self.secret)

    async def accept(self, inbound: Inbound, raw: str = "") -> bool:
        """Record the message as seen: True the first time, False for a duplicate.

        Raises ``StoreUnavailable`` when that cannot be recorded (Redis down); a webhook then
        answers 503 so the platform retries. Without Redis, the database's idempotency table
        keeps the record, so a retry or a replay after a restart is still a duplicate. With
        ``pending`` the message is also recorded as pending (``raw``: what the front end needs
        to replay it elsewhere), in the same Redis script, with its place in the buyer's queue.
        Each message accepted here is handled after the buyer's messages accepted before it.
        """
        if self.pending is not None:
            return await self._accept(inbound, raw)
        if not await self._accept(inbound, raw):
            return False
        self._order.take(self.sender(inbound), inbound.message_id)  # no await since accepted
        return True

    async def _accept(self, inbound: Inbound, raw: str = "", pending: bool = True) -> bool:
        """``pending=False``: accepted inside the buyer's line by ``handle`` itself (console,
        Telegram polling), so answered here or not at all: no pending record, which no
        ``finish`` would remove and another process would answer a second time."""
        seen = self._key("seen", inbound.channel, inbound.message_id)
        if self.pending is not None and pending:
            sender = self.sender(inbound)
            return await self.pending.accept(seen, self.limits.dedup_ttl, inbound, raw, sender)
        if self.store.shared or self.sessions is None or not inbound.remembered:
            return await self.store.add_once(seen, self.limits.dedup_ttl)
        if not await self.store.add_once(seen, self.limits.dedup_ttl):
            return False  # a retry this process already saw: no database round trip
        try:
            return await asyncio.to_thread(self._first_time_in_db, seen)
        except Exception:
            await self.store.delete(seen)  # not recorded: the platform's retry must get in
            raise

    async def skip(self, inbound: Inbound) -> None:
        """A message accepted upstream that the front end will not hand to ``handle`` (a
        Telegram update with no chat to answer in): done, so the buyer's next ones go."""
        self._order.done(self.sender(inbound), inbound.message_id)
        if self.pending is not None:
            await self._soft(self.pending.finish(inbound), True)

    def _first_time_in_db(self, seen: str) -> bool:
        assert self.sessions is not None
        purge = time.monotonic() - self._purged_at > PURGE_EVERY
        with transaction(self.sessions) as session:
            if purge:
                cutoff = utcnow() - timedelta(seconds=self.limits.dedup_ttl)
                dedup.purge(session, "inbound", cutoff)
                self._purged_at = time.monotonic()
            return dedup.first_time(session, seen, "inbound")

    async def handle(self, inbound: Inbound, *, accepted: bool = False) -> list[Reply] | None:
        """Process one inbound message exactly once, after this buyer's earlier ones.

        ``accepted``: the front end already called ``accept`` for this message (and so, with
        ``pending``, it is recorded as pending: the replies are returned only if this process
        still owns it when they are ready).
        """
        guard = self.pending if accepted else None
        try:
            replies = await self._handle(inbound, accepted, guard)
        except Exception:
            if guard is not None:  # failed for good: no other process should try it again
                await self._soft(guard.finish(inbound), True)
            raise
        finally:
            self._order.done(self.sender(inbound), inbound.message_id)
        # (Cancelled, at shutdown: the record stays, and another process answers it.)
        if guard is not None and not await self._soft(guard.finish(inbound), True):
            log.warning("%s message taken over by another process", inbound.channel)
            return None
        return replies

    async def _handle(
        self, inbound: Inbound, accepted: bool, guard: PendingTurns | None
    ) -> list[Reply] | None:
        sender = self.sender(inbound)
        line = self._key("sender", sender)
        if self._locks.queued(line) + self._waiting.get(line, 0) > self.limits.queue_max:
            log.warning("sender %s has too many messages waiting; one dropped", sender)
            return await self._flood_warning(sender, inbound)
        if accepted:  # check what is cheap, then wait for the messages accepted before it
            self._waiting[line] = self._waiting.get(line, 0) + 1  # counted before any await
            try:
                over = await self._over_limit(sender)
                if over is not None:
                    return await self._flood_warning(sender, inbound, over)
                await self._in_order(inbound, sender)
            finally:
                self._waiting[line] -= 1
                if not self._waiting[line]:
                    del self._waiting[line]
        # Join the buyer's line before any await, so arrival order is kept (a message accepted
        # upstream joins it only once the ones accepted before it are done); then check what
        # is cheap, so a refused message never waits for the turns in front of it.
        async with self._locks.line(line) as turn:
            if not accepted:
                if not await self._accept(inbound, pending=False):
                    log.info("duplicate %s message from %s dropped", inbound.channel, sender)
                    return None
                over = await self._over_limit(sender)
                if over is not None:
                    return await self._flood_warning(sender, inbound, over)
            await turn.wait()
            begun = Begun(None)
            if guard is not None:
                found = await self._soft(guard.begin(inbound), begun)
                if found is None:
                    return None  # another process took it over while this one waited
                begun = found
            await self._record(inbound, sender)
            inbound = await self._decoded(inbound)
            if self.staff is not None:
                staff_replies = await self.staff(inbound)
                if staff_replies is not None:
                    return staff_replies
            if not inbound.private:  # a checkout asks for a phone and an address
                language = await self._language(inbound, sender)
                return [Reply(text=notices.in_language("private_only", language))]
            relayed = await self._relayed(inbound, sender)
            if relayed is not None:  # a person is talking to the buyer: to staff, not Rasa
                return relayed
            inbound = replace(inbound, text=for_the_bot(inbound.text))  # "bot": the menu
            # A photo alone (searching its empty text would list whatever comes first) or a map
            # pin alone (couriers need the address written; Rasa is not asked, so a checkout
            # still waits for it) gets a fixed answer in the buyer's language.
            alone = "photo_only" if inbound.media_url else "location_only" if inbound.location else None
            if alone and not inbound.button_payload and not inbound.text.strip():
                language = await self._language(inbound, sender)
                return [Reply(text=notices.in_language(alone, language))]
            if len(inbound.text) > LONGEST and not inbound.button_payload:
                language = await self._language(inbound, sender)  # any reading would be wrong
                return [Reply(text=notices.in_language("too_long", language))]
            if not inbound.button_payload and (
                unserved(inbound.text) or other_latin_language(inbound.text)
            ):
                return [Reply(text=UNSERVED_REPLY_TEXT)]
            return await self._ask_rasa(inbound, sender, begun)

    async def _in_order(self, inbound: Inbound, sender: str) -> None:
        """Wait until the buyer's messages accepted before this one are done (bounded; with
        Redis down, go on: the message was accepted and must not wait for good)."""
        limit = self.limits.order_wait
        if self.pending is not None:
            await self._soft(self.pending.in_order(inbound, limit), None)
        else:
            await self._order.in_order(sender, inbound.message_id, limit)

    async def _over_limit(self, sender: str) -> float | None:
        """None when the message is within both limits; else the window it is over (whose
        end answers again). A message refused in a burst does not count for the minute."""
        burst = self.store.incr(self._key("burst", sender), self.limits.burst_window)
        count = await self._soft(burst, 1)
        if count > self.limits.burst_max:
            log.info("sender %s over the burst limit (%d in %gs)", sender, count,
                     self.limits.burst_window)  # fmt: skip
            return self.limits.burst_window
        rate = self.store.incr(self._key("rate", sender), self.limits.rate_window)
        count = await self._soft(rate, 1)
        if count > self.limits.rate_max:
            log.info("sender %s over the rate limit (%d in %gs)", sender, count,
                     self.limits.rate_window)  # fmt: skip
            return self.limits.rate_window
        return None

    async def _flood_warning(
        self, sender: str, inbound: Inbound, window: float | None = None
    ) -> list[Reply] | None:
        """The flood reply, once per window refused in per sender, in their language (the
        burst's says a few seconds, the minute's a minute); later refusals in that window
        are silent, and the first message after it is answered."""
        window = window or self.limits.rate_window
        first = await self._soft(self.store.add_once(self._key("flood", sender), window), False)
        if not first:
            return None
        language = await self._language(inbound, sender)
        if window == self.limits.burst_window and window != self.limits.rate_window:
            return [Reply(text=notices.in_language("flood_burst", language))]
        return [Reply(text=notices.in_language("flood_minute", language))]

    async def _language(self, inbound: Inbound, sender: str) -> str:
        """The buyer's language: Devanagari or Arabic script in the message, else the language
        kept on the customer (once per flood window, so the database read is rare), else en."""
        if any("\u0900" <= ch <= "\u097f" for ch in inbound.text):
            return "hi"
        if any("\u0600" <= ch <= "\u06ff" for ch in inbound.text):
            return "ur"
        if self.sessions is None:
            return "en"
        sessions = self.sessions

        def work() -> str:
            with reading(sessions) as session:  # on SQLite: not queued behind writers
                return customers.language_of(session, sender) or "en"

        try:
            language = await asyncio.to_thread(work)
        except Exception:  # noqa: BLE001 - the flood reply must not fail on the database
            return "en"
        return language if language in notices.LANGUAGES else "en"

    @staticmethod
    async def _soft(pending: Awaitable[T], default: T) -> T:
        """Shared state for an accepted message: if Redis went away meanwhile, go on without
        it (no rate limit, no remembered choice) rather than lose the message."""
        try:
            return await pending
        except StoreUnavailable as exc:
            log.warning("state store unavailable, going on without it: %s", exc)
            return default

    async def _decoded(self, inbound: Inbound) -> Inbound:
        """Resolve short button tokens; an unknown token becomes an empty message (the menu)."""
        if inbound.button_payload is None or self.decode_payload is None:
            return inbound
        payload = await self.decode_payload(inbound.button_payload)
        return replace(inbound, text=payload or "", button_payload=payload or None)

    async def _ask_rasa(self, inbound: Inbound, sender: str, begun: Begun) -> list[Reply]:
        text = await self._resolve_choice(inbound, sender)
        metadata = {"channel": inbound.channel}
        if inbound.media_url:
            metadata["media_url"] = inbound.media_url
        if inbound.country:
            metadata["country"] = inbound.country  # how prices read ("Rs" in Pakistan)
        if inbound.language:
            metadata["language_code"] = inbound.language  # decides a first message's language
        greeted = None if inbound.button_payload else greeting.split(text)
        if greeted is not None:  # "नमस्ते, आम का अचार चाहिए": Rasa reads the request
            metadata["greeting"], text = greeted  # the actions greet back first
        # Typed words that are a button's meaning, sent as that button (the words still tell the
        # language): "چیک آؤٹ" alone as /checkout (the NLU read a yes), "nahi sirf 1" as a
        # quantity (the NLU read a no), "Book Rack" alone as the product's button, "kg 1042"
        # alone as the question about that order (the NLU read a search).
        as_button = None if inbound.button_payload else (
            order_words.typed_checkout(text)
            or order_words.typed_quantity(text)
            or order_words.typed_reference(text)
            or await self._names.payload(text)
        )  # fmt: skip
        if as_button is not None:
            metadata["typed"], text = text, as_button
        try:
            replies = await self.rasa.send(
                sender, text, metadata, message_key=f"{inbound.channel}:{inbound.message_id}",
                resumed_after=begun.resumed_after,
            )  # fmt: skip
        except RasaUnavailable as exc:  # the menu, in the buyer's language
            log.warning("rasa failed for sender %s: %s", sender, exc)
            language = await self._language(inbound, sender)
            replies = fallback(await self._category_names(), language)
        if inbound.numbered:
            await self._remember_choices(sender, replies)
            replies = await self._with_language(inbound, sender, replies)
        if self.relay is not None and any(r.handoff for r in replies):
            await self._soft(self.relay.open(sender), None)  # their next messages go to staff
        return replies

    async def _with_language(
        self, inbound: Inbound, sender: str, replies: list[Reply]
    ) -> list[Reply]:
        """Numbered choices say how to answer them in the buyer's language; a menu written in
        Latin letters may be English or Hinglish, so the language kept on the customer (the
        action server keeps it each turn) is put on the replies: one read, only then."""
        menus = [r for r in replies if r.buttons]
        if not menus or scripts.main_script(menus[-1].text) not in ("LATIN", None):
            return replies
        language = await self._language(inbound, sender)
        return [replace(r, language=language) for r in replies]

    async def _relayed(self, inbound: Inbound, sender: str) -> list[Reply] | None:
        """The acknowledgement of a message passed to staff (``bot/core/relay.py``), or None
        for the bot to answer; with the store down, the bot answers."""
        if self.relay is None:
            return None
        text = inbound.text.strip()
        if inbound.numbered and (text.isdigit() or _names_a_method(text)):
            # "2" or "upi" picking a choice the bot just showed: the bot's
            choices = await self._soft(self.store.get_json(self._key("choices", sender)), None)
            if choices:
                return None
        return await self._soft(self.relay.turn(inbound, sender), None)

    async def _resolve_choice(self, inbound: Inbound, sender: str) -> str:
        """A pressed button's payload, or a bare number picking a remembered choice."""
        if inbound.button_payload:
            return inbound.button_payload
        text = inbound.text.strip()
        if inbound.numbered and text.isdigit():
            choices = await self._soft(self.store.get_json(self._key("choices", sender)), None)
            choices = choices or []
            n = int(text)
            size = re.compile(rf'"product":\s*"[^"/]+/{n}"')  # a size button (catalog.variants)
            sized = [c for c in choices if size.search(str(c))]
            if len(sized) == 1:  # "6" asked which size of boots (6 to 11) is size 6, not choice 6
                return str(sized[0])
            if 1 <= n <= len(choices):
                return str(choices[n - 1])
        if inbound.numbered and _names_a_method(text):  # "upi", "cash" answering the offer
            choices = await self._soft(self.store.get_json(self._key("choices", sender)), None)
            return _payment_choice(text, [str(c) for c in choices or []]) or text
        return text

    async def _remember_choices(self, sender: str, replies: list[Reply]) -> None:
        payloads = [b.payload for r in replies for b in r.buttons]
        k = self._key("choices", sender)
        if payloads:
            await self._soft(self.store.set_json(k, payloads, self.limits.choices_ttl), None)
        else:
            await self._soft(self.store.delete(k), None)

    async def _record(self, inbound: Inbound, sender: str) -> None:
        """Create or touch the customer (for notifications and the 24-hour window), at most once
        per buyer every few minutes: a database write must not sit in front of every turn."""
        if self.sessions is None or not inbound.remembered:
            return
        if not await self._soft(
            self.store.add_once(self._key("recorded", sender), RECORD_EVERY), True
        ):
            return
        sessions = self.sessions

        def work() -> None:
            with transaction(sessions) as session:
                customers.touch(session, inbound.channel, inbound.user_id, self.secret)
                # their 24-hour window is open again: notices that failed for want of it go out
                outbox.revive(session, inbound.channel, inbound.user_id)

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


def _names_a_method(text: str) -> bool:
    """A short message naming a payment method ("upi", "cash on delivery", "कैश"), not a question."""
    named = payment_methods.methods_named(text, list(payment_methods.METHODS))
    return bool(named) and not text.startswith("/") and not payment_methods.not_a_choice(text)


def _payment_choice(text: str, choices: list[str]) -> str | None:
    """The remembered "how will you pay?" button that ``text`` names, as the number would pick
    it: the first order offered whose methods it names exactly one of; None when it names none
    or several ("card": the link or Telegram's card; the actions ask again)."""
    offers: dict[str, dict[str, str]] = {}  # order id -> method -> payload, in the order shown
    for payload in choices:
        if not payload.startswith("/choose_payment"):
            continue
        try:
            body = json.loads(payload[len("/choose_payment") :])
            offers.setdefault(str(body["order_id"]), {})[str(body["method"])] = payload
        except (ValueError, KeyError, TypeError):
            continue
    for methods in offers.values():
        named = payment_methods.methods_named(text, list(methods))
        if named:
            return methods[named[0]] if len(named) == 1 else None
    return None
