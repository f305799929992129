"""Talk to the Rasa server over its REST channel; when it fails, answer with a useful menu."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import httpx

from bot.core.messages import Button, Invoice, Reply
from catalog import categories

log = logging.getLogger(__name__)

DEFAULT_CATEGORIES = categories.MENU  # when the catalog's own cannot be read
STAFF_CONTACT = "To reach a person, write HELP and our staff will answer within a day."


def http_client() -> httpx.AsyncClient:
    """The client for Rasa: idle connections are dropped after 2 s, before Rasa's server (Sanic,
    keep-alive 5 s) closes them, so a request never goes out on a connection being closed."""
    return httpx.AsyncClient(limits=httpx.Limits(keepalive_expiry=2.0))


class RasaUnavailable(Exception):
    """Rasa did not answer usefully: down, too slow, an error status, or an empty list."""


def fallback(categories: Sequence[str] = DEFAULT_CATEGORIES) -> list[Reply]:
    """What a buyer sees when the assistant cannot answer: categories to browse, and staff."""
    buttons = tuple(Button(title=c.title(), payload=f"show {c}") for c in categories[:10])
    text = (
        "Sorry, our assistant is busy right now. You can browse a category below.\n" + STAFF_CONTACT
    )
    return [Reply(text=text, buttons=buttons)]


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
    as ``[label, minor]`` pairs; None for any other shape or a value out of Telegram's limits."""
    if not isinstance(value, dict) or not isinstance(value.get("prices"), list):
        return None
    fields = [value.get(k) for k in ("title", "description", "payload", "currency")]
    texts = [f for f in fields if isinstance(f, str)]
    if len(texts) != len(fields):
        return None
    try:
        prices = tuple((str(label), amount) for label, amount in value["prices"])
        title, description, payload, currency = texts
        return Invoice(title, description, payload, currency, prices)
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
    return Reply(text=text, buttons=buttons, image=image or None, invoice=invoice)


def to_replies(raw: Any) -> list[Reply]:
    """Rasa's ``[{text, buttons, image, custom}]`` as channel-neutral replies. Any JSON is
    taken: items that are not what Rasa sends are written out or skipped, never raised on
    (an answer with nothing usable is an empty list, which ``send`` treats as a failure)."""
    if not isinstance(raw, list):
        return []
    return [reply for reply in map(to_reply, raw) if reply is not None]


class RasaClient:
    """POSTs one buyer message to ``{base}/webhooks/rest/webhook``; the httpx client is injected."""

    def __init__(self, http: httpx.AsyncClient, base_url: str, timeout: float = 10.0) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    async def send(
        self, sender: str, text: str, metadata: dict[str, Any] | None = None
    ) -> list[Reply]:
        """Rasa's replies; raises RasaUnavailable instead of returning nothing."""
        body = {"sender": sender, "message": text, "metadata": metadata or {}}
        try:
            resp = await self.http.post(
                f"{self.base_url}/webhooks/rest/webhook", json=body, timeout=self.timeout
            )
        except httpx.TimeoutException as exc:
            raise RasaUnavailable("Rasa timed out") from exc
        except httpx.HTTPError as exc:
            raise RasaUnavailable(f"Rasa unreachable: {type(exc).__name__}") from exc
        if resp.status_code != 200:
            raise RasaUnavailable(f"Rasa answered HTTP {resp.status_code}")
        try:
            replies = to_replies(resp.json())
        except ValueError as exc:
            raise RasaUnavailable("Rasa answered invalid JSON") from exc
        if not replies:
            raise RasaUnavailable("Rasa answered an empty list")
        return replies

    async def reply(
        self,
        sender: str,
        text: str,
        metadata: dict[str, Any] | None = None,
        categories: Sequence[str] = DEFAULT_CATEGORIES,
    ) -> list[Reply]:
        """Rasa's replies, or the fallback menu when Rasa fails (logged without the text)."""
        try:
            return await self.send(sender, text, metadata)
        except RasaUnavailable as exc:
            log.warning("rasa failed for sender %s: %s", sender, exc)
            return fallback(categories)

    async def healthy(self) -> bool:
        """True when the Rasa server answers its status page."""
        try:
            resp = await self.http.get(f"{self.base_url}/", timeout=3.0)
        except httpx.HTTPError:
            return False
        return resp.status_code == 200
