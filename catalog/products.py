"""Products: look-up, creation and upsert, price, photo and visibility changes (all audited)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog import audit
from catalog.errors import InvalidInput, NotFound
from catalog.models import Jail, Product
from catalog.search import reindex

MAX_PRICE_MINOR = 10_000_000  # 1 lakh in major units: nothing in these programmes costs more
CATEGORIES = (
    "handloom",
    "furniture",
    "bakery",
    "leather",
    "carpets",
    "pickles",
    "glassware",
    "sports",
    "electricals",
    "pottery",
    "embroidery",
    "clothing",
    "decor",
    "jute",
)


@dataclass
class ProductData:
    """The fields of a product as they come from a spreadsheet, the seed or a staff chat."""

    sku: str
    name: str
    category: str
    jail_code: str
    price_minor: int
    currency: str
    stock: int = 0
    name_hi: str | None = None
    name_ur: str | None = None
    keywords: str = ""
    craft: str = ""
    description: str = ""
    low_stock_threshold: int = 2
    marks: str = ""
    photo: str | None = None
    perishable: bool = False
    lead_time_days: int = 0
    active: bool = True
    extra: dict[str, str] = field(default_factory=dict)


def normalize_sku(sku: str) -> str:
    return sku.strip().upper()


def check_price(price_minor: int) -> None:
    if price_minor <= 0:
        raise InvalidInput("a price must be more than zero")
    if price_minor > MAX_PRICE_MINOR:
        raise InvalidInput(f"a price above {MAX_PRICE_MINOR // 100} is not plausible here")


def get(session: Session, sku: str) -> Product:
    product = session.scalar(select(Product).where(Product.sku == normalize_sku(sku)))
    if product is None:
        raise NotFound(f"no product {normalize_sku(sku)}")
    return product


def closest_skus(session: Session, sku: str, jail_id: int | None = None, n: int = 3) -> list[str]:
    """SKUs that look like a mistyped one, from one jail when given."""
    stmt = select(Product.sku)
    if jail_id is not None:
        stmt = stmt.where(Product.jail_id == jail_id)
    return difflib.get_close_matches(
        normalize_sku(sku), list(session.scalars(stmt)), n=n, cutoff=0.5
    )


def on_sale(session: Session) -> list[Product]:
    return list(session.scalars(select(Product).where(Product.active.is_(True))))


def all_jails(session: Session) -> list[Jail]:
    return list(session.scalars(select(Jail)))


def any_exist(session: Session) -> bool:
    return session.scalar(select(Product.id).limit(1)) is not None


def jail_by_code(session: Session, code: str) -> Jail:
    jail = session.scalar(select(Jail).where(func.upper(Jail.code) == code.strip().upper()))
    if jail is None:
        raise NotFound(f"no jail with code {code!r}")
    return jail


def upsert(session: Session, data: ProductData, jail: Jail, *, actor: str) -> tuple[Product, bool]:
    """Create or update a product by SKU; stock changes go through the ledger. Returns (product, created)."""
    from catalog import stock  # stock imports products; import here to keep modules acyclic

    check_price(data.price_minor)
    if data.stock < 0:
        raise InvalidInput("stock cannot be negative")
    sku = normalize_sku(data.sku)
    product = session.scalar(select(Product).where(Product.sku == sku))
    created = product is None
    if product is None:
        product = Product(sku=sku, stock=0)
        session.add(product)
    product.jail = jail
    product.name = data.name.strip()
    product.name_hi = data.name_hi or None
    product.name_ur = data.name_ur or None
    product.keywords = data.keywords
    product.category = data.category.strip().lower()
    product.craft = data.craft
    product.description = data.description
    product.price_minor = data.price_minor
    product.currency = data.currency.upper()
    product.low_stock_threshold = data.low_stock_threshold
    product.marks = data.marks
    product.photo = data.photo or product.photo
    product.perishable = data.perishable
    product.lead_time_days = data.lead_time_days
    product.active = data.active
    session.flush()
    if product.stock != data.stock:
        stock.set_stock(session, sku, data.stock, reason="catalog import", actor=actor)
    reindex(session, [product])
    return product, created


def set_price(
    session: Session,
    sku: str,
    price_minor: int,
    *,
    actor: str,
    channel: str | None = None,
    reason: str | None = None,
) -> Product:
    check_price(price_minor)
    product = get(session, sku)
    before = product.price_minor
    product.price_minor = price_minor
    audit.record(
        session,
        actor=actor,
        channel=channel,
        action="price",
        entity="product",
        entity_id=product.sku,
        before={"price_minor": before},
        after={"price_minor": price_minor},
        reason=reason,
    )
    return product


def set_active(
    session: Session, sku: str, active: bool, *, actor: str, channel: str | None = None
) -> Product:
    product = get(session, sku)
    before = product.active
    product.active = active
    audit.record(
        session,
        actor=actor,
        channel=channel,
        action="show" if active else "hide",
        entity="product",
        entity_id=product.sku,
        before={"active": before},
        after={"active": active},
    )
    return product


def set_photo(
    session: Session, sku: str, photo: str, *, actor: str, channel: str | None = None
) -> Product:
    product = get(session, sku)
    before = product.photo
    product.photo = photo
    audit.record(
        session,
        actor=actor,
        channel=channel,
        action="photo",
        entity="product",
        entity_id=product.sku,
        before={"photo": before},
        after={"photo": photo},
    )
    return product


def next_sku(session: Session, jail: Jail) -> str:
    """A fresh SKU for a jail's new product: its code and the next free number."""
    prefix = f"{jail.code.upper()}-"
    existing = session.scalars(select(Product.sku).where(Product.sku.startswith(prefix)))
    numbers = [int(s[len(prefix) :]) for s in existing if s[len(prefix) :].isdigit()]
    return f"{prefix}{max(numbers, default=100) + 1}"
