"""Stock changes. Every change is one conditional UPDATE and one ledger row, so stock never
goes negative and the ledger always sums to the stock, whatever runs concurrently."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from catalog import audit, outbox
from catalog.errors import InvalidInput, NotFound, OutOfStock
from catalog.models import Product, StockMove
from catalog.products import get, normalize_sku


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
) -> int:
    """Add ``delta`` (may be negative) to stock unless that would go below zero; returns new stock."""
    stmt = (
        update(Product)
        .where(Product.id == product_id, Product.stock + delta >= 0)
        .values(stock=Product.stock + delta)
        .returning(Product.stock, Product.low_stock_threshold)
        .execution_options(synchronize_session=False)
    )
    row = session.execute(stmt).first()
    if row is None:
        product = session.get(Product, product_id)
        if product is None:
            raise NotFound(f"no product id {product_id}")
        session.refresh(product, ["stock"])
        raise OutOfStock(product.sku, product.stock, -delta)
    after, threshold = row
    _ledger(session, product_id, delta, after, reason, actor, order_id)
    if delta < 0 and after <= threshold < after - delta:
        product = session.get(Product, product_id)
        if product is not None:
            outbox.low_stock(session, product, after)
    return after


def adjust_sku(
    session: Session, sku: str, delta: int, *, reason: str, actor: str, channel: str | None = None
) -> int:
    """Staff adjustment ("+5 found in store", "-1 damaged"), audited for undo."""
    if delta == 0:
        raise InvalidInput("the change must not be zero")
    product = get(session, sku)
    after = adjust(session, product.id, delta, reason=reason, actor=actor)
    audit.record(
        session,
        actor=actor,
        channel=channel,
        action="stock",
        entity="product",
        entity_id=product.sku,
        before={"stock": after - delta},
        after={"stock": after},
        reason=reason,
    )
    return after


def set_stock(
    session: Session, sku: str, count: int, *, reason: str, actor: str, channel: str | None = None
) -> tuple[int, int]:
    """Set stock after a count; returns (before, after). The row is locked while it changes."""
    if count < 0:
        raise InvalidInput("stock cannot be negative")
    row = session.execute(
        select(Product.id, Product.stock).where(Product.sku == normalize_sku(sku)).with_for_update()
    ).first()
    if row is None:
        raise NotFound(f"no product {normalize_sku(sku)}")
    product_id, before = row
    session.execute(
        update(Product)
        .where(Product.id == product_id)
        .values(stock=count)
        .execution_options(synchronize_session=False)
    )
    if count != before:
        _ledger(session, product_id, count - before, count, reason, actor)
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
    product = session.get(Product, product_id)
    if product is not None:
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
