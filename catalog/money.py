"""Money in integer minor units, formatting, and conversion with staff-set exchange rates."""

from __future__ import annotations

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


def fmt(minor: int, currency: str) -> str:
    """For people: 240000 INR -> "₹2,400"; 12550 GBP -> "£125.50"."""
    value = Decimal(minor) / 100
    text = f"{value:,.0f}" if value == value.to_integral() else f"{value:,.2f}"
    return f"{SYMBOLS.get(currency, currency + ' ')}{text}"


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


def convert(session: Session, minor: int, source: str, target: str) -> int:
    """Convert minor units between currencies; raises NotFound if no rate is set either way."""
    if source == target:
        return minor
    row = session.get(ExchangeRate, (source, target))
    if row is not None:
        rate = Decimal(row.rate)
    else:
        back = session.get(ExchangeRate, (target, source))
        if back is None:
            raise NotFound(f"no exchange rate {source}->{target}")
        rate = 1 / Decimal(back.rate)
    return int((Decimal(minor) * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def currencies(session: Session, base: str = "INR") -> list[str]:
    return [
        r.currency for r in session.scalars(select(ExchangeRate).where(ExchangeRate.base == base))
    ]
