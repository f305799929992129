"""Talking to a person: after a hand-off or a staff ``/reply``, the buyer's messages go to staff.

A buyer who asked for a person ("kisi se baat karni hai") is answered by staff with ``/reply``;
their next messages ("ye dekho photo, kinara phata hua hai" and the photo) must reach staff,
not the bot. For ``WINDOW`` seconds after the last hand-off or staff reply (a key in the state
store with that lifetime: Redis or memory), the core passes each message here before Rasa:

- a message relayed goes through the outbox to the staff a hand-off goes to ("Buyer #4: ...
  [photo: URL] Answer with /reply #4 your message"; a shared location as a maps link to its
  pin), and the buyer is told "Passed to our team." in their language;
- a pressed button and a short shop request ("cart", "checkout", "cancel order") go to the bot
  as usual, and the window stays open;
- "menu" or "bot" ends the window and goes to the bot.

It runs inside the buyer's turn, so messages are de-duplicated and kept in order as all others.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable

from sqlalchemy.orm import Session, sessionmaker

from bot.core.messages import Inbound, Reply
from bot.core.order_words import wants_checkout
from bot.core.rasa_client import script_language
from bot.core.state import StateStore, key
from catalog import customers, notices, outbox
from catalog.db import transaction
from catalog.models import Customer
from catalog.text import tokens

log = logging.getLogger(__name__)

WINDOW = 30 * 60.0  # seconds after the last hand-off or staff reply

# the way out: the whole message is one of these ("bot" reaches Rasa as "menu")
BOT_WORDS = frozenset({"bot", "बॉट", "بوٹ"})
END_WORDS = BOT_WORDS | {"menu", "main menu", "मेनू", "مینو"}
# a shop request the buyer serves themselves: a short message with one of these words
SHOP_WORDS = re.compile(
    r"(?i)\b(cart|basket|checkout|cancel|catalog|catalogue|browse)\b"
    r"|कार्ट|कैंसल|रद्द|کارٹ|کینسل|منسوخ"
)
SHOP_MAX_WORDS = 4


KeepPhoto = Callable[[Inbound], Awaitable[str | None]]
"""Keeps a buyer's photo where staff can open it; its URL (None: not kept)."""


def _word(text: str) -> str:
    """The words without punctuation, lower case, as the search reads them (a regex word class
    left out Devanagari's vowel signs: "मेनू" became "मन" and never ended the window)."""
    return " ".join(tokens(text))


def ends(text: str) -> bool:
    return _word(text) in END_WORDS


def for_the_bot(text: str) -> str:
    """ "bot" as the way out asks the bot for its menu; any other text as it is."""
    return "menu" if _word(text) in BOT_WORDS else text


def shop_request(text: str) -> bool:
    """ "cart", "checkout", "order cancel karo", "कार्ट दिखाओ": the bot serves it."""
    words = text.split()
    if not words or len(words) > SHOP_MAX_WORDS:
        return False
    return wants_checkout(text) or SHOP_WORDS.search(text) is not None


MAPS_URL = "https://www.google.com/maps?q={lat:.6f},{lon:.6f}"


def relayed_text(inbound: Inbound, kept: str | None = None) -> str:
    """What staff read: the text, and a photo as the URL it was kept at (``kept``), else the
    channel's URL (a WhatsApp media URL) or "[photo]" (a Telegram file id only the bot can use);
    a shared location as a maps link to its pin ("[location: https://www.google.com/maps?q=...]")."""
    text = inbound.text.strip()
    if inbound.media_url:
        kind = "photo" if (inbound.media_type or "image").startswith("image") else "file"
        url = kept or inbound.media_url
        attached = f"[{kind}: {url}]" if url.startswith(("http://", "https://")) else f"[{kind}]"
        text = f"{text} {attached}".strip()
    if inbound.location:
        point = inbound.coordinates
        pin = f": {MAPS_URL.format(lat=point[0], lon=point[1])}" if point else ""
        text = f"{text} [location{pin}]".strip()
    return text


class Relay:
    """The window per buyer (by sender pseudonym) and the relaying of their messages."""

    def __init__(
        self,
        store: StateStore,
        sessions: sessionmaker[Session] | None,
        namespace: str = "",
        window: float = WINDOW,
        keep_photo: KeepPhoto | None = None,
    ) -> None:
        self.store = store
        self.sessions = sessions
        self.namespace = namespace
        self.window = window
        self.keep_photo = keep_photo  # the web app: stored under /media/, a URL staff can open

    def _key(self, sender: str) -> str:
        return key(*(p for p in (self.namespace, "relay", sender) if p != ""))

    async def open(self, sender: str) -> None:
        """A hand-off or a staff reply: the window (re)starts now."""
        await self.store.set_json(self._key(sender), {"at": time.time()}, self.window)

    async def close(self, sender: str) -> None:
        await self.store.delete(self._key(sender))

    async def is_open(self, sender: str) -> bool:
        return await self.store.get_json(self._key(sender)) is not None

    async def staff_replied(self, customer_id: int) -> None:
        """A staff ``/reply`` to buyer #N reached the outbox: open that buyer's window."""
        if self.sessions is None:
            return
        sessions = self.sessions

        def work() -> str | None:
            with sessions() as session:
                customer = session.get(Customer, customer_id)
                return customer.sender_id if customer is not None else None

        sender = await asyncio.to_thread(work)
        if sender is not None:
            await self.open(sender)

    async def turn(self, inbound: Inbound, sender: str) -> list[Reply] | None:
        """The acknowledgement when the message went to staff; None when the bot answers it
        (no window, a button, a shop request, the way out, nothing to relay)."""
        if self.sessions is None or inbound.button_payload or not await self.is_open(sender):
            return None
        text = inbound.text.strip()
        if ends(text):
            await self.close(sender)
            return None
        if shop_request(text):
            return None
        said = relayed_text(inbound, await self._kept(inbound))
        if not said:
            return None
        sessions = self.sessions

        def work() -> str | None:
            with transaction(sessions) as session:
                customer = customers.find(session, sender)
                if customer is None:
                    return None
                outbox.relay(session, customer, said)
                return notices.customer_language(customer)

        language = await asyncio.to_thread(work)
        if language is None:
            return None
        language = script_language(text) or language
        return [Reply(text=notices.in_language("relayed", language))]

    async def _kept(self, inbound: Inbound) -> str | None:
        """The photo's URL under the web app's /media/, or None (no photo, not an image, the
        download failed: the channel's own reference is relayed instead)."""
        if not inbound.media_url or self.keep_photo is None:
            return None
        try:
            return await self.keep_photo(inbound)
        except Exception:  # noqa: BLE001 - the text still reaches staff
            log.warning(
                "%s buyer photo not kept; its channel reference is relayed", inbound.channel
            )
            return None
