"""Changes staff make from chat that the older services don't audit themselves: registering
staff, exchange rates, and new products. Each writes one audit row for the trail and /undo."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from sqlalchemy.orm import Session

from catalog import audit, money, products, staff
from catalog.errors import InvalidInput
from catalog.models import Jail, Product, Staff
from catalog.stock import MAX_STOCK, check_stock

CURRENCY_BY_COUNTRY = {"IN": "INR", "PK": "PKR"}
__all__ = ["MAX_STOCK", "check_stock", "create_product", "parse_rate", "register_staff", "set_rate"]


def register_staff(
    session: Session,
    channel: str,
    channel_user_id: str,
    *,
    role: str,
    jail_code: str | None,
    actor: str,
    chat_channel: str | None = None,
) -> Staff:
    """Register or update a staff member (as ``catalog.staff.add``) and audit who did it."""
    uid = staff.normalize_id(channel, channel_user_id)
    old = staff.find(session, channel, uid)
    before = None if old is None else {"role": old.role, "jail_id": old.jail_id}
    member = staff.add(session, channel, uid, role=role, jail_code=jail_code)
    audit.record(
        session,
        actor=actor,
        channel=chat_channel,
        action="staff",
        entity="staff",
        entity_id=member.id,
        before=before,
        after={"role": member.role, "jail_id": member.jail_id},
    )
    return member


def parse_rate(text: str) -> Decimal:
    """A positive, plausible exchange rate from text ("0.0094")."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise InvalidInput(f"not a rate: {text!r}") from None
    if not value.is_finite() or value <= 0 or value > 100_000:
        raise InvalidInput("a rate must be a positive number, e.g. 0.0094")
    return value


def set_rate(
    session: Session,
    currency: str,
    rate: Decimal,
    *,
    actor: str,
    base: str = "INR",
    channel: str | None = None,
) -> Decimal | None:
    """Set how much ``currency`` one ``base`` buys; returns the previous rate (None if new)."""
    currency, base = currency.strip().upper(), base.strip().upper()
    if len(currency) != 3 or not currency.isalpha() or currency == base:
        raise InvalidInput("a currency is a three-letter code other than the base, e.g. GBP")
    before = money.rate(session, base, currency)
    money.set_rate(session, base, currency, rate)
    audit.record(
        session,
        actor=actor,
        channel=channel,
        action="rate",
        entity="rate",
        entity_id=f"{base}-{currency}",
        before=None if before is None else {"rate": str(before)},
        after={"rate": str(rate)},
    )
    return before


def create_product(
    session: Session,
    jail: Jail,
    *,
    name: str,
    category: str,
    price_minor: int,
    stock: int,
    photo: str | None,
    actor: str,
    channel: str | None = None,
) -> Product:
    """A new product of a jail with the next free SKU, audited as one "create"."""
    name = name.strip()
    if not 2 <= len(name) <= 200:
        raise InvalidInput("a name is 2 to 200 characters")
    if category not in products.CATEGORIES:
        raise InvalidInput(f"category is one of: {', '.join(products.CATEGORIES)}")
    check_stock(stock)
    data = products.ProductData(
        sku=products.next_sku(session, jail),
        name=name,
        category=category,
        jail_code=jail.code,
        price_minor=price_minor,
        currency=CURRENCY_BY_COUNTRY.get(jail.country, "INR"),
        stock=stock,
        photo=photo,
    )
    product, _ = products.upsert(session, data, jail, actor=actor)
    audit.record(
        session,
        actor=actor,
        channel=channel,
        action="create",
        entity="product",
        entity_id=product.sku,
        before=None,
        after={"name": product.name, "stock": stock, "price_minor": price_minor},
    )
    return product
