"""Products: look-up, creation and upsert, price, photo and visibility changes (all audited)."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog import audit, categories, stock, variants
from catalog.errors import InvalidInput, NotFound
from catalog.models import Jail, Product
from catalog.money import SYMBOLS
from catalog.search import reindex
from catalog.skus import get as get
from catalog.skus import normalize_sku as normalize_sku
from catalog.stock import MAX_STOCK
from catalog.text import tokens

MAX_PRICE_MINOR = 10_000_000  # 1 lakh in major units: nothing in these programmes costs more
CATEGORIES = categories.ALL  # the table is catalog/categories.py
# What staff type after a command (/stock KS-101 25): letters, digits, dashes; the column's length.
# A size or colour adds "/VALUE" to its parent's (PC-101/9, KS-101/RED); 32 characters in all.
SKU_FORMAT = re.compile(r"[A-Z0-9][A-Z0-9_-]{0,31}(/[A-Z0-9][A-Z0-9.-]{0,15})?")
SKU_LENGTH = 32
# A cell starting with one of these is run as a formula by spreadsheets (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
# Control characters (Unicode category Cc), and the bidirectional overrides and isolates that
# reorder what staff read; other format characters (Devanagari's and Urdu's joiners) are kept.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_CONTROL_EXCEPT_LINES = re.compile("[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
MAX_LEAD_TIME_DAYS = 365
# Product text columns and whether a line break may appear inside them.
TEXT_FIELDS = {
    "name": False,
    "name_hi": False,
    "name_ur": False,
    "keywords": False,
    "craft": False,
    "description": True,
    "marks": False,
    "photo": False,
}


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
    variant_kind: str | None = None  # a parent's: "size" or "colour"
    variant: str | None = None  # a child's value as shown ("Red"); default from its SKU


def variant_value(sku: str, given: str | None = None) -> str | None:
    """A child's value: as given, else from its SKU ("KS-101/RED" -> "Red", "PC-101/9" -> "9",
    "KC-101/XL" -> "XL"); None for a plain SKU."""
    _, value = variants.split_sku(normalize_sku(sku))
    if value is None:
        return None
    if given and given.strip().upper() == value:
        return variants.check_value(given)
    return value.capitalize() if value.isalpha() and len(value) > 2 else value


def shown(value: str, limit: int = 40) -> str:
    """A value quoted for an error message: escaped, and cut short if long."""
    return repr(value if len(value) <= limit else value[:limit] + "...")


def check_sku(sku: str) -> str:
    """The normalised SKU, or InvalidInput if it is not the catalog's format (KS-101)."""
    normal = normalize_sku(sku)
    if not SKU_FORMAT.fullmatch(normal) or len(normal) > SKU_LENGTH:
        raise InvalidInput(
            f"SKU {shown(normal)} is not letters, digits and dashes "
            "(up to 32, starting with a letter or digit, e.g. KS-101; a size adds /VALUE, "
            "e.g. PC-101/9)"
        )
    return normal


def check_text(label: str, value: str, *, max_length: int | None = None,
               multiline: bool = False) -> None:
    """Refuse product text a spreadsheet would run as a formula, or with control characters."""
    if value.startswith(FORMULA_STARTS):
        raise InvalidInput(
            f"{label} must not start with =, +, -, @, a tab or a line break "
            "(a spreadsheet would run it as a formula); start it with a letter or a digit"
        )
    bad = (_CONTROL_EXCEPT_LINES if multiline else _CONTROL).search(value)
    if bad:
        raise InvalidInput(
            f"{label} contains a control character (U+{ord(bad[0]):04X} at position "
            f"{bad.start() + 1})"
        )
    if max_length is not None and len(value) > max_length:
        raise InvalidInput(f"{label} is longer than {max_length} characters")


def check_name(name: str) -> None:
    """A product name as staff type it in /add: 2 to 200 characters of plain text."""
    if not 2 <= len(name.strip()) <= (_length("name") or 200):
        raise InvalidInput("a name is 2 to 200 characters")
    check_text("a name", name.strip())


def _length(column: str) -> int | None:
    return getattr(Product.__table__.c[column].type, "length", None)


def _check_number(label: str, value: int, maximum: int) -> None:
    if not 0 <= value <= maximum:
        raise InvalidInput(f"{label} must be between 0 and {maximum} (got {value})")


def check_data(data: ProductData) -> None:
    """The catalog's one rule for a product's fields, wherever they come from."""
    check_sku(data.sku)
    if not data.name.strip():
        raise InvalidInput("name is empty")
    for column, multiline in TEXT_FIELDS.items():
        value = getattr(data, column) or ""
        check_text(column, value, max_length=_length(column), multiline=multiline)
    category = data.category.strip().lower()
    if category not in CATEGORIES:
        raise InvalidInput(f"category {shown(category)} is not one of: {', '.join(CATEGORIES)}")
    check_price(data.price_minor)
    if data.currency.upper() not in SYMBOLS:
        raise InvalidInput(f"currency {shown(data.currency)} is not one of {', '.join(SYMBOLS)}")
    if data.stock < 0:
        raise InvalidInput("stock cannot be negative")
    if data.stock > MAX_STOCK:
        raise InvalidInput(f"stock above {MAX_STOCK} is not plausible (got {data.stock})")
    _check_number("low_stock_threshold", data.low_stock_threshold, MAX_STOCK)
    _check_number("lead_time_days", data.lead_time_days, MAX_LEAD_TIME_DAYS)
    data.variant_kind = variants.check_kind(data.variant_kind)
    _, value = variants.split_sku(normalize_sku(data.sku))
    if value is not None and data.variant_kind:
        raise InvalidInput("a size or colour (SKU with /) has no variant_kind; its parent has")
    if data.variant and (value is None or data.variant.strip().upper() != value):
        raise InvalidInput(f"variant {shown(data.variant)} is not the part after / of the SKU")


def check_price(price_minor: int) -> None:
    if price_minor <= 0:
        raise InvalidInput("a price must be more than zero")
    if price_minor > MAX_PRICE_MINOR:
        raise InvalidInput(f"a price above {MAX_PRICE_MINOR // 100} is not plausible here")


def closest_skus(session: Session, sku: str, jail_id: int | None = None, n: int = 3) -> list[str]:
    """SKUs that look like a mistyped one, from one jail when given."""
    stmt = select(Product.sku)
    if jail_id is not None:
        stmt = stmt.where(Product.jail_id == jail_id)
    return difflib.get_close_matches(
        normalize_sku(sku), list(session.scalars(stmt)), n=n, cutoff=0.5
    )


def on_sale(session: Session) -> list[Product]:
    """Products buyers see (not their sizes and colours)."""
    stmt = select(Product).where(Product.active.is_(True), Product.parent_id.is_(None))
    return list(session.scalars(stmt))


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
    check_data(data)
    sku = normalize_sku(data.sku)
    parent = parent_of(session, sku)
    product = session.scalar(select(Product).where(Product.sku == sku))
    created = product is None
    if created and parent is not None and not variants.has_variants(session, parent):
        _counted_by_variant(session, parent, actor)
    if product is None:
        product = Product(sku=sku, stock=0)
        session.add(product)
    if parent is not None:
        product.parent_id, product.variant = parent.id, variant_value(sku, data.variant)
    else:
        product.variant_kind = data.variant_kind or product.variant_kind
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
    if product.stock != data.stock and not variants.has_variants(session, product):
        stock.set_stock(session, sku, data.stock, reason="catalog import", actor=actor)
    if parent is None:
        reindex(session, [product])  # a size or colour is found through its parent
    return product, created


def parent_of(session: Session, sku: str) -> Product | None:
    """The parent a ``PARENT/VALUE`` SKU names (InvalidInput if it is missing or is itself a
    size or colour); None for a plain SKU."""
    parent_sku, value = variants.split_sku(normalize_sku(sku))
    if value is None:
        return None
    parent = session.scalar(select(Product).where(Product.sku == parent_sku))
    if parent is None:
        raise InvalidInput(f"{normalize_sku(sku)} is a size or colour of {parent_sku}, "
                           f"which is not in the catalog: add {parent_sku} first")
    if parent.parent_id is not None:
        raise InvalidInput(f"{parent_sku} is itself a size or colour; it cannot have its own")
    return parent


def _counted_by_variant(session: Session, parent: Product, actor: str) -> None:
    """A product gets its first size or colour: from now on its stock is theirs, counted by
    size, so what it had is taken off (the ledger says so) and its children add theirs."""
    session.refresh(parent, ["stock"])
    if parent.stock:
        stock.adjust(session, parent.id, -parent.stock, reason="now counted by size or colour",
                     actor=actor)  # fmt: skip
        session.refresh(parent, ["stock"])


def add_variant(
    session: Session,
    parent_sku: str,
    value: str,
    *,
    actor: str,
    stock_count: int = 0,
    price_minor: int | None = None,
    kind: str | None = None,
) -> Product:
    """A new size or colour of a product: SKU ``PARENT/VALUE``, the parent's name, jail,
    category, currency and (unless given) price; ``stock_count`` units counted into it."""
    parent = get(session, parent_sku)
    value = variants.check_value(value)
    data = ProductData(
        sku=variants.child_sku(parent.sku, value), name=parent.name, category=parent.category,
        jail_code=parent.jail.code, price_minor=price_minor or parent.price_minor,
        currency=parent.currency, stock=stock_count, name_hi=parent.name_hi,
        name_ur=parent.name_ur, craft=parent.craft, low_stock_threshold=1, marks=parent.marks,
        photo=parent.photo, perishable=parent.perishable, lead_time_days=parent.lead_time_days,
        active=parent.active, variant=value,
    )  # fmt: skip
    if kind is not None or parent.variant_kind is None:
        parent.variant_kind = variants.check_kind(kind) or variants.SIZE
    child, _ = upsert(session, data, parent.jail, actor=actor)
    return child


def set_price(
    session: Session,
    sku: str,
    price_minor: int,
    *,
    actor: str,
    channel: str | None = None,
    reason: str | None = None,
) -> Product:
    """A product's price; for a product with sizes or colours, theirs too (each can then be
    priced on its own: ``/price PC-101/11 3800``)."""
    check_price(price_minor)
    product = get(session, sku)
    before: dict[str, object] = {"price_minor": product.price_minor}
    children = variants.of(session, product)
    if children:
        before["children"] = {c.sku: c.price_minor for c in children}
        for child in children:
            child.price_minor = price_minor
    product.price_minor = price_minor
    audit.record(
        session,
        actor=actor,
        channel=channel,
        action="price",
        entity="product",
        entity_id=product.sku,
        before=before,
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


def _names_and_skus(session: Session) -> dict[str, set[str]]:
    """Every name (English, Hindi, Urdu) of the products on sale, as ``text.tokens`` joins
    them, to the SKUs of the products that bear it."""
    found: dict[str, set[str]] = {}
    rows = session.execute(
        select(Product.sku, Product.name, Product.name_hi, Product.name_ur).where(
            Product.active.is_(True), Product.parent_id.is_(None)
        )
    )
    for sku, *names in rows:
        for name in filter(None, names):
            found.setdefault(" ".join(tokens(name)), set()).add(sku)
    found.pop("", None)
    return found


def typed_names(session: Session) -> tuple[dict[str, str], set[str]]:
    """Every product on sale by each of its names (English, Hindi, Urdu) as ``text.tokens``
    joins them ("clay diyas set of 12"), to its SKU; and apart, the names that are not one
    product's: a name two products share, or one that begins another product's name
    ("peshawari chappal" also begins "peshawari chappal kaptaan style": the buyer may mean
    either, so a message that is one of them is a search)."""
    found = _names_and_skus(session)
    names = sorted(found)
    prefixes = {a for a, b in zip(names, names[1:], strict=False) if b.startswith(a + " ")}
    exact = {
        name: next(iter(skus))
        for name, skus in found.items()
        if len(skus) == 1 and name not in prefixes
    }
    return exact, set(found) - set(exact)
