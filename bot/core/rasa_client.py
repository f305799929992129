"""Talk to the Rasa server over its REST channel; when it fails, answer with a useful menu."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

import httpx

from bot.core.messages import Button, Invoice, Reply
from catalog import categories

log = logging.getLogger(__name__)

DEFAULT_CATEGORIES = categories.MENU  # when the catalog's own cannot be read
MESSAGE_KEY = "kaarigar_message"  # metadata naming the message, kept in Rasa's tracker
STAFF_CONTACT = "To reach a person, write HELP and our staff will answer within a day."
FALLBACK_TEXTS = {  # Rasa down: in the buyer's language (the script they write, else the one kept)
    "en": "Sorry, our assistant is busy right now. You can browse a category below.\n"
    + STAFF_CONTACT,
    "hi": "माफ़ कीजिए, हमारा सहायक अभी व्यस्त है। नीचे कोई श्रेणी देखें।\n"
    "किसी व्यक्ति से बात करने के लिए HELP लिखें, हमारा स्टाफ़ एक दिन में जवाब देगा।",
    "hi-Latn": "Sorry, hamara assistant abhi busy hai. Neeche koi category dekhiye.\n"
    "Kisi insaan se baat karne ke liye HELP likhiye, hamara staff ek din mein jawab dega.",
    "ur": "معذرت، ہمارا اسسٹنٹ ابھی مصروف ہے۔ نیچے کوئی زمرہ دیکھیں۔\n"
    "کسی فرد سے بات کرنے کے لیے HELP لکھیں، ہمارا اسٹاف ایک دن میں جواب دے گا۔",
}


def http_client() -> httpx.AsyncClient:
    """The client for Rasa: idle connections are dropped after 2 s, before Rasa's server (Sanic,
    keep-alive 5 s) closes them, so a request never goes out on a connection being closed."""
    return httpx.AsyncClient(limits=httpx.Limits(keepalive_expiry=2.0))


class RasaUnavailable(Exception):
    """Rasa did not answer usefully: down, too slow, an error status, or an empty list."""


def fallback(categories: Sequence[str] = DEFAULT_CATEGORIES, language: str = "en") -> list[Reply]:
    """What a buyer sees when the assistant cannot answer: categories to browse, and staff,
    in the buyer's language (category names as ``catalog.categories.display_name`` gives them
    to each reader; the payload stays the English word the NLU reads)."""
    buttons = tuple(
        Button(title=category_name(c, language), payload=f"show {c}") for c in categories[:10]
    )
    return [Reply(text=FALLBACK_TEXTS.get(language, FALLBACK_TEXTS["en"]), buttons=buttons)]


def category_name(category: str, language: str) -> str:
    """ "Pottery", "मिट्टी के बर्तन", "Mitti ke bartan", "مٹی کے برتن"."""
    return categories.display_name(category, language)


def _text(value: Any) -> str:
    """A reply text from any JSON value: strings as they are, numbers written out, else ""."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def _buttons(value: Any) -> tuple[Button, ...]:
    """Buttons from a JSON list of ``{title, payload}``; anything without a title is dropped."""
    if not isinstance(value, list):
        return ()
    buttons = []
    for b in value:
        title = _text(b.get("title")) if isinstance(b, dict) else ""
        if title:
            buttons.append(Button(title=title, payload=_text(b.get("payload")) or title))
    return tuple(buttons)


def _invoice(value: Any) -> Invoice | None:
    """An invoice from custom JSON ``{title, description, payload, currency, prices}``, prices
    as ``[label, minor]`` pairs, and optionally the buyer's ``language`` and ``country``; None for any other shape or a value out of Telegram's limits."""
    if not isinstance(value, dict) or not isinstance(value.get("prices"), list):
        return None
    fields = [value.get(k) for k in ("title", "description", "payload", "currency")]
    texts = [f for f in fields if isinstance(f, str)]
    if len(texts) != len(fields):
        return None
    reader = [value.get(k) for k in ("language", "country")]
    language, country = (r if isinstance(r, str) and 0 < len(r) <= 8 else None for r in reader)
    try:
        prices = tuple((str(label), amount) for label, amount in value["prices"])
        title, description, payload, currency = texts
        return Invoice(title, description, payload, currency, prices, language, country)
    except (TypeError, ValueError):
        return None


def to_reply(item: Any) -> Reply | None:
    """One item of Rasa's answer as a Reply, or None if it holds nothing to show."""
    if not isinstance(item, dict):
        text = _text(item)
        return Reply(text=text) if text else None
    text = _text(item.get("text"))
    custom = item.get("custom")
    if not text and isinstance(custom, dict):
        text = _text(custom.get("text"))
    buttons = _buttons(item.get("buttons"))
    image = item.get("image") if isinstance(item.get("image"), str) else None
    invoice = _invoice(custom.get("invoice")) if isinstance(custom, dict) else None
    if not (text or buttons or image or invoice):
        return None
    handoff = isinstance(custom, dict) and custom.get("handoff") is True
    return Reply(text=text, buttons=buttons, image=image or None, invoice=invoice, handoff=handoff)


def replies_after(events: list[Any], message_key: str) -> list[Reply] | None:
    """From a tracker's events: what the bot said after the user message sent with
    ``message_key`` (up to the next user message); None when no such message is there. A
    message Rasa took without saying anything reads as the fallback menu, in the buyer's
    language: the script of that message, else the ``language`` slot as the tracker had it
    (set by the action server on the turns before, or on this one)."""
    found: list[Reply] | None = None
    language = "en"
    for event in events:
        if not isinstance(event, dict):
            continue
        if event.get("event") == "slot" and event.get("name") == "language":
            value = event.get("value")
            language = value if isinstance(value, str) and value in FALLBACK_TEXTS else "en"
        if event.get("event") == "user":
            if found is not None:
                break
            meta = event.get("metadata")
            if isinstance(meta, dict) and meta.get(MESSAGE_KEY) == message_key:
                found = []
                language = script_language(_text(event.get("text"))) or language
        elif found is not None and event.get("event") == "bot":
            data = event.get("data")
            data = data if isinstance(data, dict) else {}
            reply = to_reply({**data, "text": event.get("text")})
            if reply is not None:
                found.append(reply)
    if found is not None and not found:
        return fallback(language=language)
    return found


def script_language(text: str) -> str | None:
    """ "hi" for a message with Devanagari in it, "ur" for one with Arabic script, else None
    (Latin letters may be English or Hinglish: the language kept decides)."""
    if any("\u0900" <= ch <= "\u097f" for ch in text):
        return "hi"
    if any("\u0600" <= ch <= "\u06ff" for ch in text):
        return "ur"
    return None


def to_replies(raw: Any) -> list[Reply]:
    """Rasa's ``[{text, buttons, image, custom}]`` as channel-neutral replies. Any JSON is
    taken: items that are not what Rasa sends are written out or skipped, never raised on
    (an answer with nothing usable is an empty list, which ``send`` treats as a failure)."""
    if not isinstance(raw, list):
        return []
    return [reply for reply in map(to_reply, raw) if reply is not None]


RASA_LOCK_LIFETIME = 60.0  # Rasa's TICKET_LOCK_LIFETIME default: a dead server's lock lasts this
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
"""Failures before the request left: the message certainly did not reach that Rasa."""


class RasaClient:
    """POSTs one buyer message to ``{base}/webhooks/rest/webhook``; the httpx client is injected.

    With several base URLs (Rasa servers sharing one Redis tracker store), a message that could
    not be sent to one goes to the next. A message whose connection broke after it was sent (the
    server died mid-turn) is first looked up in the shared tracker by the ``kaarigar_message``
    metadata it was sent with: found, its replies are read from there; not found, it is sent to
    the next server, waiting long enough for Rasa's lock on the conversation that the dead
    server may hold. A timeout is never resent: that Rasa may still be taking the turn.
    """

    def __init__(
        self, http: httpx.AsyncClient, base_url: str | Sequence[str], timeout: float = 10.0
    ) -> None:
        self.http = http
        urls = [base_url] if isinstance(base_url, str) else list(base_url)
        if not urls:
            raise ValueError("at least one Rasa URL")
        self.urls = [u.rstrip("/") for u in urls]
        self.base_url = self.urls[0]
        self.timeout = timeout
        self._preferred = 0

    def _order(self) -> list[str]:
        """Every URL once, the one that last worked first."""
        n = len(self.urls)
        return [self.urls[(self._preferred + i) % n] for i in range(n)]

    def _worked(self, url: str) -> None:
        self._preferred = self.urls.index(url)

    async def send(
        self,
        sender: str,
        text: str,
        metadata: dict[str, Any] | None = None,
        *,
        message_key: str | None = None,
        resumed_after: float | None = None,
    ) -> list[Reply]:
        """Rasa's replies; raises RasaUnavailable instead of returning nothing.

        ``message_key`` names the message (channel and id) so a retry can tell whether Rasa
        already took it. ``resumed_after``: another process began this turn that many seconds
        ago and died; once its request would have timed out, the tracker is read first.
        """
        meta = dict(metadata or {})
        if message_key:
            meta[MESSAGE_KEY] = message_key
        if message_key and resumed_after is not None:
            await asyncio.sleep(max(0.0, self.timeout - resumed_after))
            done = await self.from_tracker(sender, message_key)
            if done is not None:
                log.warning("sender %s: turn already taken by Rasa, replies read back", sender)
                return done
        body = {"sender": sender, "message": text, "metadata": meta}
        error: RasaUnavailable | None = None
        timeout = self.timeout
        for url in self._order():
            try:
                resp = await self.http.post(
                    f"{url}/webhooks/rest/webhook", json=body, timeout=timeout
                )
            except NOT_SENT as exc:
                error = RasaUnavailable(f"Rasa unreachable: {type(exc).__name__}")
                log.warning("rasa at %s unreachable, trying the next one: %r", url, exc)
                continue
            except httpx.TimeoutException as exc:  # it may still be taking the turn
                raise RasaUnavailable("Rasa timed out") from exc
            except httpx.HTTPError as exc:  # sent, then the connection broke: did it take it?
                log.warning("rasa at %s dropped the connection: %r", url, exc)
                if not message_key:
                    raise RasaUnavailable(f"Rasa failed: {type(exc).__name__}") from exc
                done = await self.from_tracker(sender, message_key)
                if done is not None:
                    return done
                error = RasaUnavailable(f"Rasa failed: {type(exc).__name__}")
                # The dead server may hold Rasa's lock on this conversation until it expires:
                # the next server waits for it, and the buyer gets a late answer, not the menu.
                timeout = self.timeout + RASA_LOCK_LIFETIME
                continue
            self._worked(url)
            return self._replies(resp)
        assert error is not None
        raise error

    @staticmethod
    def _replies(resp: httpx.Response) -> list[Reply]:
        if resp.status_code != 200:
            raise RasaUnavailable(f"Rasa answered HTTP {resp.status_code}")
        try:
            replies = to_replies(resp.json())
        except ValueError as exc:
            raise RasaUnavailable("Rasa answered invalid JSON") from exc
        if not replies:
            raise RasaUnavailable("Rasa answered an empty list")
        return replies

    async def from_tracker(self, sender: str, message_key: str) -> list[Reply] | None:
        """The replies Rasa gave to the message sent with ``message_key``, read from the
        tracker of any Rasa that answers; None when no tracker holds that message.
        Raises RasaUnavailable when no Rasa answers (then nothing is known)."""
        for url in self._order():
            try:
                resp = await self.http.get(
                    f"{url}/conversations/{sender}/tracker", timeout=self.timeout
                )
                events = resp.json()["events"] if resp.status_code == 200 else None
            except (httpx.HTTPError, ValueError, KeyError, TypeError):
                continue
            if isinstance(events, list):
                return replies_after(events, message_key)
        raise RasaUnavailable("no Rasa answered for the tracker")

    async def reply(
        self,
        sender: str,
        text: str,
        metadata: dict[str, Any] | None = None,
        categories: Sequence[str] = DEFAULT_CATEGORIES,
        *,
        message_key: str | None = None,
        resumed_after: float | None = None,
        language: str = "en",
    ) -> list[Reply]:
        """Rasa's replies, or the fallback menu in ``language`` when Rasa fails (logged
        without the text)."""
        try:
            return await self.send(
                sender, text, metadata, message_key=message_key, resumed_after=resumed_after
            )
        except RasaUnavailable as exc:
            log.warning("rasa failed for sender %s: %s", sender, exc)
            return fallback(categories, language)

    async def healthy(self) -> bool:
        """True when a Rasa server answers its status page."""
        for url in self._order():
            try:
                resp = await self.http.get(f"{url}/", timeout=3.0)
            except httpx.HTTPError:
                continue
            if resp.status_code == 200:
                return True
        return False
