"""Stock changes. Every change is one conditional UPDATE and one ledger row, so stock never
goes negative and the ledger always sums to the stock, whatever runs concurrently.

A size or colour (a child product, ``catalog.variants``) carries its own stock; its parent's stock
is the sum of its children's, changed in the same transaction with a ledger row of its own. The
parent's row is locked first, then the child's, so concurrent changes of one product's sizes
queue on the parent and never wait on each other in a circle.

Staff changes stay within 0..MAX_STOCK. Their audit rows say what the stock was and became;
a relative change (``/restock +3``) also records ``change``, so /undo can tell it from a count.
"""

from __future__ import annotations

from typing import NoReturn

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from catalog import audit, outbox, variants
from catalog.errors import InvalidInput, NotFound, OutOfStock
from catalog.models import Product, StockMove
from catalog.skus import get, normalize_sku

MAX_STOCK = 100_000  # more units of one product than any jail could have counted


def check_stock(count: int) -> None:
    """A stock count a person could have made."""
    if count < 0:
        raise InvalidInput("stock cannot go below zero")
    if count > MAX_STOCK:
        raise InvalidInput(f"stock above {MAX_STOCK} is not plausible")


def check_text(text: str | None, what: str = "the reason") -> None:
    """Free text to store: no control characters (PostgreSQL refuses NUL in text at all)."""
    if text and any(ord(ch) < 32 and ch not in "\t\n" for ch in text):
        raise InvalidInput(f"{what} must be plain text")


def _ledger(
    session: Session,
    product_id: int,
    delta: int,
    after: int,
    reason: str,
    actor: str,
    order_id: int | None = None,
) -> None:
    session.add(
        StockMove(
            product_id=product_id,
            delta=delta,
            stock_after=after,
            reason=reason,
            actor=actor,
            order_id=order_id,
        )
    )


def adjust(
    session: Session,
    product_id: int,
    delta: int,
    *,
    reason: str,
    actor: str,
    order_id: int | None = None,
    most: int | None = None,
) -> int:
    """Add ``delta`` (may be negative) to stock unless that would go below zero (or above
    ``most``, if given); returns new stock. One conditional UPDATE and its ledger row (and, for
    a size or colour, the same change of its parent, whose row is locked first)."""
    parent_id = _lock_parent(session, product_id)
    stmt = update(Product).where(Product.id == product_id, Product.stock + delta >= 0)
    if most is not None:
        stmt = stmt.where(Product.stock + delta <= most)
    row = session.execute(
        stmt.values(stock=Product.stock + delta)
        .returning(Product.stock, Product.low_stock_threshold)
        .execution_options(synchronize_session=False)
    ).first()
    if row is None:
        _refuse(session, product_id, delta, most)
    after, threshold = row
    _ledger(session, product_id, delta, after, reason, actor, order_id)
    if parent_id is not None:
        _follow(session, parent_id, delta, reason, actor, order_id)
    if delta < 0 and after <= threshold < after - delta:
        product = session.get(Product, product_id)
        if product is not None:
            outbox.low_stock(session, product, after)
    return after


def _lock_parent(session: Session, product_id: int) -> int | None:
    """The id of the product's parent (a size's or colour's), its row locked; None if plain."""
    parent_id = session.scalar(select(Product.parent_id).where(Product.id == product_id))
    if parent_id is not None:
        session.execute(select(Product.id).where(Product.id == parent_id).with_for_update())
    return parent_id


def _follow(
    session: Session, parent_id: int, delta: int, reason: str, actor: str, order_id: int | None
) -> None:
    """A child's stock changed by ``delta``: the parent's (the sum) changes by as much."""
    after = session.execute(
        update(Product)
        .where(Product.id == parent_id)
        .values(stock=Product.stock + delta)
        .returning(Product.stock)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    _ledger(session, parent_id, delta, after, reason, actor, order_id)
    parent = session.identity_map.get(identity_key(Product, parent_id))
    if parent is not None:  # loaded in this session: read the new sum when next used
        session.expire(parent, ["stock"])


def _refuse(session: Session, product_id: int, delta: int, most: int | None) -> NoReturn:
    """Why a conditional change did not apply: no product, too few units, or too many."""
    product = session.get(Product, product_id)
    if product is None:
        raise NotFound(f"no product id {product_id}")
    session.refresh(product, ["stock"])
    if most is not None and product.stock + delta > most:
        raise InvalidInput(allowed_range(product.sku, product.stock))
    raise OutOfStock(product.sku, product.stock, -delta)


def allowed_range(sku: str, now: int) -> str:
    """What a staff change of this stock may be, for the refusal."""
    return f"{sku} stock can change by -{now} to +{MAX_STOCK - now}"


def lock(session: Session, sku: str) -> tuple[int, int]:
    """(id, stock) of a product, its row locked until the transaction ends."""
    sku = normalize_sku(sku)
    row = session.execute(
        select(Product.id, Product.stock).where(Product.sku == sku).with_for_update()
    ).first()
    if row is None:
        raise NotFound(f"no product {sku}")
    return row[0], row[1]


def adjust_sku(
    session: Session, sku: str, delta: int, *, reason: str, actor: str, channel: str | None = None
) -> int:
    """Staff adjustment ("+5 found in store", "-1 damaged") within 0..MAX_STOCK, audited for undo."""
    if delta == 0:
        raise InvalidInput("the change must not be zero")
    check_text(reason)
    product = get(session, sku)
    variants.refuse_parent(session, product)
    if abs(delta) > MAX_STOCK:  # also keeps the number inside the database's integers
        session.refresh(product, ["stock"])
        raise InvalidInput(allowed_range(product.sku, product.stock))
    after = adjust(session, product.id, delta, reason=reason, actor=actor, most=MAX_STOCK)
    audit.record(
        session,
        actor=actor,
        channel=channel,
        action="stock",
        entity="product",
        entity_id=product.sku,
        before={"stock": after - delta},
        after={"stock": after, "change": delta},
        reason=reason,
    )
    return after


def set_stock(
    session: Session, sku: str, count: int, *, reason: str, actor: str, channel: str | None = None
) -> tuple[int, int]:
    """Set stock after a count; returns (before, after). The row is locked while it changes."""
    check_stock(count)
    check_text(reason)
    product = get(session, sku)
    variants.refuse_parent(session, product)
    parent_id = _lock_parent(session, product.id)
    product_id, before = lock(session, sku)
    session.execute(
        update(Product)
        .where(Product.id == product_id)
        .values(stock=count)
        .execution_options(synchronize_session=False)
    )
    if count != before:
        _ledger(session, product_id, count - before, count, reason, actor)
        if parent_id is not None:
            _follow(session, parent_id, count - before, reason, actor, None)
    audit.record(
        session,
        actor=actor,
        channel=channel,
        action="stock",
        entity="product",
        entity_id=normalize_sku(sku),
        before={"stock": before},
        after={"stock": count},
        reason=reason,
    )
    session.refresh(product, ["stock"])
    return before, count


def ledger_sum(session: Session, product_id: int) -> int:
    """What the ledger says the stock is: the sum of every move."""
    from sqlalchemy import func

    total = session.scalar(
        select(func.coalesce(func.sum(StockMove.delta), 0)).where(
            StockMove.product_id == product_id
        )
    )
    return int(total or 0)


def low_stock(session: Session, jail_id: int | None = None) -> list[Product]:
    stmt = (
        select(Product)
        .where(Product.active.is_(True), Product.stock <= Product.low_stock_threshold)
        .order_by(Product.stock, Product.sku)
    )
    if jail_id is not None:
        stmt = stmt.where(Product.jail_id == jail_id)
    return list(session.scalars(stmt))
