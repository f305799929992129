"""WhatsApp front end through Twilio: form -> Inbound, Reply -> numbered text and media.

Twilio is answered at once with empty TwiML; replies go out through the REST API, so a slow
Rasa never makes Twilio time out and retry.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl

import httpx
from twilio.http import AsyncHttpClient
from twilio.http.response import Response as TwilioResponse
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio.twiml.messaging_response import MessagingResponse

from bot.core import scripts
from bot.core.messages import Inbound, Reply, coordinates
from bot.handlers.splitting import split_text
from catalog import notices, photos, shipping

log = logging.getLogger(__name__)

BODY_LIMIT = 1600
FORM_FIELDS_MAX = 500  # Twilio sends a few dozen fields, more with ten media attachments
TWILIO_API = "https://api.twilio.com"
SESSION_WINDOW = timedelta(hours=24)


def to_inbound(form: Mapping[str, str]) -> Inbound:
    """The buyer's message in a Twilio webhook form (unknown fields are ignored)."""
    number = form.get("From", "").removeprefix("whatsapp:")
    media = form.get("MediaUrl0") if form.get("NumMedia", "0") not in ("", "0") else None
    return Inbound(
        channel="whatsapp",
        user_id=number,
        message_id=form.get("MessageSid", ""),
        text=form.get("Body", ""),
        button_payload=form.get("ButtonPayload") or None,
        media_url=media,
        media_type=form.get("MediaContentType0") if media else None,
        location=bool(form.get("Latitude") and form.get("Longitude")),  # a shared location
        coordinates=coordinates(form.get("Latitude"), form.get("Longitude")),
        numbered=True,  # render() numbers the choices
        country=shipping.country_of_phone(number),
    )


def empty_twiml() -> str:
    """The immediate acknowledgement: no message, the replies follow through the API."""
    return str(MessagingResponse())


def is_signed(auth_token: str, url: str, form: Mapping[str, str], signature: str | None) -> bool:
    """True when ``X-Twilio-Signature`` matches the public URL and the form."""
    if not signature:
        return False
    return bool(RequestValidator(auth_token).validate(url, dict(form), signature))


def parse_form(body: bytes) -> dict[str, str]:
    """The webhook's url-encoded form; ValueError when it is not UTF-8 or not a form."""
    text = body.decode("utf-8")  # UnicodeDecodeError is a ValueError
    pairs = parse_qsl(
        text,
        keep_blank_values=True,
        strict_parsing=bool(text),
        errors="strict",
        max_num_fields=FORM_FIELDS_MAX,
    )
    return dict(pairs)


def signed_form(auth_token: str, url: str, body: bytes, signature: str) -> dict[str, str] | None:
    """Parse and check a webhook body in one go (run it off the event loop): the form when
    Twilio signed it, None when not; ValueError when the body is malformed."""
    form = parse_form(body)
    return form if is_signed(auth_token, url, form, signature) else None


@dataclass(frozen=True)
class Outgoing:
    body: str
    media_url: str | None = None


# "Reply 1, 2 or 3." in the script of the reply it ends, else in the buyer's language (Latin
# letters are English or Hinglish: the language the core put on the reply decides)
_SCRIPT_LANGUAGE = {"DEVANAGARI": "hi", "ARABIC": "ur"}
_COMMA = {"ur": "، "}


def how_to_answer(n: int, text: str, language: str | None = None) -> str:
    """How to answer a numbered menu of ``n`` choices, in the script of ``text`` (Devanagari,
    Urdu), else in ``language`` ("Jawab mein 1 ya 2 likhiye." for hi-Latn), else English."""
    script = scripts.main_script(text)
    found = _SCRIPT_LANGUAGE.get(script or "")
    if found is None:
        found = language if script is None or language == "hi-Latn" else "en"
    if n == 1:
        return notices.in_language("reply_one", found)
    comma = _COMMA.get(found or "", ", ")
    return notices.in_language("reply_many", found).format(
        first=comma.join(map(str, range(1, n))), last=n
    )


def render(replies: Sequence[Reply], country: str | None = None) -> list[Outgoing]:
    """Messages to send: choices numbered across the whole answer, how to answer ("Reply 1, 2
    or 3.") once, under the last message with choices; text split under 1600.
    ``country``: where the buyer's number is, for an amount the reply does not say whom for."""
    out: list[Outgoing] = []
    total = sum(len(reply.buttons) for reply in replies)
    last = max((i for i, reply in enumerate(replies) if reply.buttons), default=-1)
    offset = 0
    for i, reply in enumerate(replies):
        lines = [f"{offset + k}. {b.title}" for k, b in enumerate(reply.buttons, 1)]
        how = [how_to_answer(total, reply.text, reply.language)] if i == last else []
        body = "\n".join(filter(None, [reply.text, "", *lines, "", *how])).strip()
        if reply.invoice is not None:  # never offered on WhatsApp; shown as text if it comes
            body = "\n".join(filter(None, [body, reply.invoice.as_text(country)]))
        offset += len(reply.buttons)
        chunks = split_text(body, BODY_LIMIT) if body else []
        if reply.image:
            first = chunks.pop(0) if chunks else ""
            out.append(Outgoing(first, reply.image))
        out.extend(Outgoing(c) for c in chunks)
    return out


class HttpxTwilioClient(AsyncHttpClient):
    """twilio-python's async HTTP interface over an injected httpx client, with a base URL
    that replaces api.twilio.com (tests point it at a fake on loopback)."""

    def __init__(self, http: httpx.AsyncClient, base_url: str = TWILIO_API) -> None:
        super().__init__(logger=log, is_async=True, timeout=15.0)
        self.http = http
        self.base_url = base_url.rstrip("/")

    async def request(  # type: ignore[override]
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> TwilioResponse:
        if url.startswith(TWILIO_API):
            url = self.base_url + url[len(TWILIO_API) :]
        resp = await self.http.request(
            method,
            url,
            params=params,  # type: ignore[arg-type]
            data=data,  # type: ignore[arg-type]
            headers=headers,
            auth=auth,
            timeout=timeout or self.timeout,
            follow_redirects=allow_redirects,
        )
        return TwilioResponse(resp.status_code, resp.text, resp.headers)


class WhatsAppSender:
    """Sends replies and notifications with ``client.messages.create``."""

    def __init__(
        self,
        client: Client,
        from_number: str,
        *,
        template_sid: str | None = None,
        media_base_url: str | None = None,
    ) -> None:
        self.client = client
        self.from_ = (
            from_number if from_number.startswith("whatsapp:") else f"whatsapp:{from_number}"
        )
        self.template_sid = template_sid
        self.media_base_url = media_base_url

    def _to(self, number: str) -> str:
        return number if number.startswith("whatsapp:") else f"whatsapp:{number}"

    def _media(self, image: str) -> str | None:
        """Twilio fetches media by public URL; stored photos are served under /media/."""
        return photos.public_url(image, self.media_base_url)

    async def send_replies(self, number: str, replies: Sequence[Reply]) -> None:
        for msg in render(replies, shipping.country_of_phone(number.removeprefix("whatsapp:"))):
            media = self._media(msg.media_url) if msg.media_url else None
            if not (msg.body or media):
                continue
            await self.client.messages.create_async(
                to=self._to(number),
                from_=self.from_,
                body=msg.body or None,  # type: ignore[arg-type]
                media_url=[media] if media else None,  # type: ignore[arg-type]
            )

    async def notify(self, number: str, text: str, last_inbound_at: datetime | None) -> bool:
        """Free text inside the 24-hour window, else the approved template; False if neither."""
        if in_session(last_inbound_at):
            for chunk in split_text(text, BODY_LIMIT):
                await self.client.messages.create_async(
                    to=self._to(number), from_=self.from_, body=chunk
                )
            return True
        if not self.template_sid:
            log.warning("outside the 24-hour window and no template configured")
            return False
        await self.client.messages.create_async(
            to=self._to(number),
            from_=self.from_,
            content_sid=self.template_sid,
            content_variables=_json({"1": text[:1000]}),
        )
        return True


def in_session(last_inbound_at: datetime | None, now: datetime | None = None) -> bool:
    """Whether free-form messages are allowed (the buyer wrote within 24 hours)."""
    if last_inbound_at is None:
        return False
    if last_inbound_at.tzinfo is None:
        last_inbound_at = last_inbound_at.replace(tzinfo=UTC)
    return (now or datetime.now(UTC)) - last_inbound_at < SESSION_WINDOW


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def make_client(
    account_sid: str, auth_token: str, http: httpx.AsyncClient, base_url: str = TWILIO_API
) -> Client:
    """A Twilio REST client whose requests go through ``http`` to ``base_url``."""
    return Client(account_sid, auth_token, http_client=HttpxTwilioClient(http, base_url))
