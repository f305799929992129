"""Money in integer minor units, formatting for the reader, and conversion with staff-set
exchange rates.

Who reads an amount changes how it is written: rupees of India always as ``₹1,00,000`` (Indian
digit grouping); rupees of Pakistan as ``Rs 3,500`` to a reader in Pakistan (an Urdu reader
whose country is not known counts as one), but as ``PKR 3,500`` to anyone else (in India "Rs" reads as Indian rupees). The reader is
given to ``fmt`` explicitly, or set once for the rest of a buyer's request with ``set_reader``
(the action server does this when it reads the buyer's language); with no reader (staff
commands, staff notifications, logs) each currency is written the way its home country writes
it, since staff deal in their own jail's currency.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.errors import InvalidInput, NotFound
from catalog.models import ExchangeRate

SYMBOLS = {
    "INR": "₹",
    "PKR": "Rs ",
    "GBP": "£",
    "USD": "$",
    "EUR": "€",
    "AED": "AED ",
    "SAR": "SAR ",
    "CAD": "CA$",
    "AUD": "A$",
}
MINOR_DIGITS = 2  # every currency we sell in has two decimal places
INDIAN_GROUPING = {"INR"}  # 1,00,000 (lakh) and 1,00,00,000 (crore)


@dataclass(frozen=True)
class Reader:
    """Who reads an amount: their reply language (en, hi, hi-Latn, ur) and, when known, the
    ISO code of the country they are in."""

    language: str = "en"
    country: str | None = None

    @property
    def in_pakistan(self) -> bool:
        """A buyer in Pakistan: the country when known (an Urdu reader in the UK is not), else
        an Urdu reader (the Peshawar programme's buyers write Urdu)."""
        return self.country == "PK" if self.country else self.language == "ur"


_READER: ContextVar[Reader | None] = ContextVar("kaarigar_money_reader", default=None)


def set_reader(reader: Reader | None) -> None:
    """The reader of every amount formatted from here on in this context (one request or task:
    a ContextVar, so concurrent requests never see each other's reader)."""
    _READER.set(reader)


def current_reader() -> Reader | None:
    return _READER.get()


@contextmanager
def reading(reader: Reader | None) -> Iterator[None]:
    """Format for ``reader`` inside the block, and for whoever it was before after it."""
    token = _READER.set(reader)
    try:
        yield
    finally:
        _READER.reset(token)


def to_minor(amount: str | int | float | Decimal) -> int:
    """Parse "2400", "2,400.50" or 2400 into minor units; refuses negatives and junk."""
    try:
        value = Decimal(str(amount).replace(",", "").strip())
    except InvalidOperation:
        raise InvalidInput(f"not an amount: {amount!r}") from None
    if not value.is_finite() or value < 0:
        raise InvalidInput(f"not an amount: {amount!r}")
    try:
        exact = value == value.quantize(Decimal("0.01"))
    except ArithmeticError:  # 1e309 and the like: more digits than any price has
        raise InvalidInput(f"not an amount: {amount!r}") from None
    if not exact:
        raise InvalidInput(f"more than two decimals: {amount!r}")
    return int(value * 100)


def major(minor: int) -> str:
    """Minor units as a plain major-unit string: 240000 -> "2400.00"."""
    return f"{Decimal(minor) / 100:.2f}"


def grouped(value: Decimal, indian: bool = False) -> str:
    """Digits grouped by thousands ("100,000"), or the Indian way ("1,00,000")."""
    text = f"{value:,.0f}" if value == value.to_integral() else f"{value:,.2f}"
    if not indian:
        return text
    sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
    whole, dot, cents = digits.replace(",", "").partition(".")
    if len(whole) > 3:
        head, tail = whole[:-3], whole[-3:]
        pairs = [head[max(0, i - 2) : i] for i in range(len(head), 0, -2)][::-1]
        whole = ",".join([*pairs, tail])
    return f"{sign}{whole}{dot}{cents}"


def symbol(currency: str, reader: Reader | None = None) -> str:
    """The prefix for ``currency`` as ``reader`` reads it (no reader: the home country's)."""
    if currency == "PKR" and reader is not None and not reader.in_pakistan:
        return "PKR "
    return SYMBOLS.get(currency, currency + " ")


def fmt(minor: int, currency: str, reader: Reader | None = None) -> str:
    """For people: 240000 INR -> "₹2,400"; 10000000 INR -> "₹1,00,000"; 12550 GBP -> "£125.50";
    350000 PKR -> "Rs 3,500" in Pakistan, in Urdu and for staff, else "PKR 3,500".
    ``reader`` defaults to the one set for this context (``set_reader``)."""
    reader = reader if reader is not None else _READER.get()
    value = Decimal(minor) / 100
    return f"{symbol(currency, reader)}{grouped(value, currency in INDIAN_GROUPING)}"


def set_rate(session: Session, base: str, currency: str, rate: Decimal | str) -> ExchangeRate:
    """How many ``currency`` one ``base`` buys (e.g. INR->GBP 0.0094). Staff set these."""
    value = Decimal(str(rate))
    if value <= 0:
        raise InvalidInput("a rate must be positive")
    base, currency = base.upper(), currency.upper()
    row = session.get(ExchangeRate, (base, currency))
    if row is None:
        row = ExchangeRate(base=base, currency=currency, rate=value)
        session.add(row)
    else:
        row.rate = value
    session.flush()
    return row


def rate(session: Session, base: str, currency: str) -> Decimal | None:
    row = session.get(ExchangeRate, (base.upper(), currency.upper()))
    return None if row is None else Decimal(row.rate)


BASE = "INR"  # staff set rates from it (/rate GBP 0.0094); PKR->INR is set too


def _rate(session: Session, source: str, target: str) -> Decimal | None:
    row = session.get(ExchangeRate, (source, target))
    if row is not None:
        return Decimal(row.rate)
    back = session.get(ExchangeRate, (target, source))
    return None if back is None else 1 / Decimal(back.rate)


def convert(session: Session, minor: int, source: str, target: str) -> int:
    """Convert minor units between currencies: by the rate set either way, else through the
    base currency (PKR->INR->GBP: staff set rates from INR); raises NotFound without one."""
    if source == target:
        return minor
    rate = _rate(session, source, target)
    if rate is None and BASE not in (source, target):
        there, on = _rate(session, source, BASE), _rate(session, BASE, target)
        rate = there * on if there is not None and on is not None else None
    if rate is None:
        raise NotFound(f"no exchange rate {source}->{target}")
    return int((Decimal(minor) * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def currencies(session: Session, base: str = "INR") -> list[str]:
    return [
        r.currency for r in session.scalars(select(ExchangeRate).where(ExchangeRate.base == base))
    ]


def with_shipping(goods_minor: int, shipping_minor: int, currency: str) -> str:
    """What the buyer pays, as they were told: "Rs 3,750 (Rs 3,500 + Rs 250 shipping)" when
    there is shipping, else the goods' total alone."""
    due = fmt(goods_minor + shipping_minor, currency)
    if not shipping_minor:
        return due
    return f"{due} ({fmt(goods_minor, currency)} + {fmt(shipping_minor, currency)} shipping)"
