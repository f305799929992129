"""Channel-neutral messages: the front ends convert to and from these at the edge, and
everything between them knows no channel."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

_KEEP = frozenset("\t\n")


def clean(text: str) -> str:
    """Text without control characters (NUL, escapes, carriage returns, C1) or lone
    surrogates: nothing a database, a terminal or Rasa could choke on. Tabs and line
    breaks stay; format characters (the joiners Devanagari and Urdu need) stay too."""
    if text.isprintable():
        return text
    return "".join(ch for ch in text if ch in _KEEP or unicodedata.category(ch) not in ("Cc", "Cs"))


def coordinates(latitude: object, longitude: object) -> tuple[float, float] | None:
    """A map pin's (latitude, longitude) from what a channel sent (numbers, or Twilio's form
    strings), or None when either is missing, not a number or out of range."""
    try:
        lat, lon = float(str(latitude)), float(str(longitude))
    except ValueError:
        return None
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):  # NaN fails both too
        return None
    return lat, lon


@dataclass(frozen=True)
class Inbound:
    """One message from a person, whatever the channel; its text and button payload are
    cleaned here, once, for every channel."""

    channel: str  # "telegram", "whatsapp", "console"
    user_id: str  # Telegram user id or E.164 WhatsApp number: personal data, never logged
    message_id: str  # Telegram update_id or Twilio MessageSid, for de-duplication
    text: str = ""
    button_payload: str | None = None  # the payload of a pressed button, untrusted
    media_url: str | None = None  # an attached image, already fetchable by URL or file id
    media_type: str | None = None
    location: bool = False  # a shared map pin (no courier takes one: the address is asked for)
    # the pin's (latitude, longitude): passed on only to staff talking to the buyer (relay.py)
    coordinates: tuple[float, float] | None = None
    private: bool = True  # a one-to-one chat; False in a group, where others read the replies
    numbered: bool = False  # the channel shows choices as numbers: a bare "2" picks the second
    remembered: bool = (
        True  # a buyer to keep (customer row, durable de-duplication); not a test chat
    )
    country: str | None = None  # ISO code where the channel tells (a WhatsApp number's prefix)
    language: str | None = None  # the app's language where the channel tells (Telegram's "en")

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", clean(self.text or ""))
        if self.button_payload is not None:
            object.__setattr__(self, "button_payload", clean(self.button_payload))


@dataclass(frozen=True)
class Button:
    title: str
    payload: str  # what comes back when pressed: a Rasa "/intent{...}" or plain text


@dataclass(frozen=True)
class Invoice:
    """A request to pay by card, within Telegram's limits (checked here, so a front end can
    send it as it is): prices are (label, amount in minor units), shipping its own line."""

    title: str
    description: str
    payload: str  # opaque and unguessable: it names the payment, never the buyer
    currency: str
    prices: tuple[tuple[str, int], ...]
    language: str | None = None  # the buyer's reply language, as the action server read it
    country: str | None = None  # the buyer's ISO country, as the action server read it

    def __post_init__(self) -> None:
        if not 1 <= len(self.title) <= 32 or not 1 <= len(self.description) <= 255:
            raise ValueError("invoice title 1-32 and description 1-255 characters")
        if not 1 <= len(self.payload.encode()) <= 128:
            raise ValueError("invoice payload 1-128 bytes")
        if len(self.currency) != 3 or not self.currency.isalpha():
            raise ValueError("invoice currency is a 3-letter code")
        if not self.prices or any(
            not label or type(amount) is not int or amount < 0 for label, amount in self.prices
        ):
            raise ValueError("invoice prices are (label, minor units >= 0) pairs")

    @property
    def total(self) -> int:
        return sum(amount for _, amount in self.prices)

    def as_text(self, country: str | None = None) -> str:
        """The invoice for a channel without card payments: what it is and what it costs,
        the amount written for its buyer as every amount the actions write (``money.fmt`` for
        the buyer's language and country: "PKR 3,500" outside Pakistan, "Rs 3,500" in it).
        ``country``: where the channel says the buyer is, when the invoice does not say."""
        from catalog import money  # the domain's money format; imported late, on use

        country = self.country or country
        reader = money.Reader(self.language or "en", country) if self.language or country else None
        return f"{self.title}: {money.fmt(self.total, self.currency.upper(), reader)}"


@dataclass(frozen=True)
class Reply:
    """One message to a person; a front end renders it as that platform does best."""

    text: str = ""
    buttons: tuple[Button, ...] = field(default_factory=tuple)
    image: str | None = None  # URL or path of a photo
    invoice: Invoice | None = None  # a card payment request (Telegram renders it natively)
    handoff: bool = False  # the bot handed the buyer to staff: the core opens the relay window
    language: str | None = None  # the buyer's language where the core knows it ("hi-Latn")
