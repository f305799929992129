"""Channel-neutral messages: the front ends convert to and from these at the edge, and
everything between them knows no channel."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Inbound:
    """One message from a person, whatever the channel."""

    channel: str  # "telegram", "whatsapp", "console"
    user_id: str  # Telegram user id or E.164 WhatsApp number: personal data, never logged
    message_id: str  # Telegram update_id or Twilio MessageSid, for de-duplication
    text: str = ""
    button_payload: str | None = None  # the payload of a pressed button, untrusted
    media_url: str | None = None  # an attached image, already fetchable by URL or file id
    media_type: str | None = None


@dataclass(frozen=True)
class Button:
    title: str
    payload: str  # what comes back when pressed: a Rasa "/intent{...}" or plain text


@dataclass(frozen=True)
class Reply:
    """One message to a person; a front end renders it as that platform does best."""

    text: str = ""
    buttons: tuple[Button, ...] = field(default_factory=tuple)
    image: str | None = None  # URL or path of a photo
