"""Sales reports: units and turnover per product and per jail over a period, and the share
of turnover that reaches inmates as wages where the jail has set one."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.errors import InvalidInput
from catalog.models import Jail, Order, OrderLine, OrderStatus, Product

FIRST_YEAR, LAST_YEAR = 2000, 2999  # months a report can cover: before Kaarigar sold nothing


@dataclass(frozen=True)
class Period:
    label: str
    start: datetime
    end: datetime  # exclusive


@dataclass(frozen=True)
class Row:
    key: str  # SKU or jail code
    name: str
    units: int
    turnover_minor: int
    currency: str
    wage_minor: int | None = None


def period(spec: str = "month", today: date | None = None) -> Period:
    """``today``, ``week`` (last 7 days), ``month`` (this calendar month) or ``YYYY-MM``."""
    today = today or datetime.now(UTC).date()

    def at(d: date) -> datetime:
        return datetime(d.year, d.month, d.day, tzinfo=UTC)

    if spec == "today":
        return Period("today", at(today), at(today + timedelta(days=1)))
    if spec == "week":
        return Period("last 7 days", at(today - timedelta(days=6)), at(today + timedelta(days=1)))
    if spec == "month":
        spec = f"{today.year:04d}-{today.month:02d}"
    if m := re.fullmatch(r"(\d{4})-(\d{2})", spec):
        year, month = int(m[1]), int(m[2])
        if not (1 <= month <= 12 and FIRST_YEAR <= year <= LAST_YEAR):
            raise InvalidInput("a month is YYYY-MM, e.g. 2026-03")
        last = calendar.monthrange(year, month)[1]
        return Period(
            spec, at(date(year, month, 1)), at(date(year, month, last)) + timedelta(days=1)
        )
    raise InvalidInput("period is today, week, month or YYYY-MM")


def _sold(p: Period, jail_id: int | None):  # type: ignore[no-untyped-def]
    conditions = [
        Order.status != OrderStatus.CANCELLED,
        Order.created_at >= p.start,
        Order.created_at < p.end,
    ]
    if jail_id is not None:
        conditions.append(Order.jail_id == jail_id)
    return conditions


def by_product(session: Session, p: Period, jail_id: int | None = None) -> list[Row]:
    units = func.sum(OrderLine.quantity)
    turnover = func.sum(OrderLine.quantity * OrderLine.unit_price_minor)
    stmt = (
        select(Product.sku, Product.name, units, turnover, Order.currency)
        .join(OrderLine, OrderLine.order_id == Order.id)
        .join(Product, Product.id == OrderLine.product_id)
        .where(*_sold(p, jail_id))
        .group_by(Product.sku, Product.name, Order.currency)
        .order_by(turnover.desc(), Product.sku)
    )
    return [Row(sku, name, int(u), int(t), cur) for sku, name, u, t, cur in session.execute(stmt)]


def by_jail(session: Session, p: Period, jail_id: int | None = None) -> list[Row]:
    units = func.sum(OrderLine.quantity)
    turnover = func.sum(OrderLine.quantity * OrderLine.unit_price_minor)
    stmt = (
        select(Jail.code, Jail.name, Jail.wage_share_percent, units, turnover, Order.currency)
        .join(Order, Order.jail_id == Jail.id)
        .join(OrderLine, OrderLine.order_id == Order.id)
        .where(*_sold(p, jail_id))
        .group_by(Jail.code, Jail.name, Jail.wage_share_percent, Order.currency)
        .order_by(turnover.desc(), Jail.code)
    )
    rows = []
    for code, name, share, u, t, cur in session.execute(stmt):
        wage = int(t) * share // 100 if share is not None else None
        rows.append(Row(code, name, int(u), int(t), cur, wage))
    return rows
