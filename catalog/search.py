"""Free-text product search with filters and ranking, over the ``product_terms`` index.

Ranking: products matching more of the buyer's words first, then exact word matches and
name matches over keyword and place matches, then what is in stock, then cheapest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, and_, case, delete, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from catalog.models import ExchangeRate, Jail, Product, ProductTerm
from catalog.text import terms

# Where a word appears in a product, and what a match there is worth.
NAME, KEYWORD, PLACE = 3, 2, 1
_PREFIX_END = "\U0010ffff"


@dataclass(frozen=True)
class SearchFilters:
    category: str | None = None
    jail: str | None = None  # a jail code, town, or region ("Kanda", "Bhadohi", "UP")
    max_price_minor: int | None = None
    max_price_currency: str = "INR"
    in_stock: bool = False


@dataclass(frozen=True)
class SearchPage:
    products: list[Product]
    has_more: bool


def product_terms(product: Product, jail: Jail) -> dict[str, int]:
    """Every search term of a product with its weight."""
    weighted: dict[str, int] = {}
    fields = [
        (NAME, f"{product.name} {product.name_hi or ''} {product.name_ur or ''} {product.sku}"),
        (KEYWORD, f"{product.keywords} {product.category} {product.craft} {product.marks}"),
        (PLACE, f"{jail.code} {jail.name} {jail.town} {jail.region} {jail.programme}"),
    ]
    for weight, text in fields:
        for term in terms(text.replace(",", " ")):
            term = term[:100]
            weighted[term] = max(weighted.get(term, 0), weight)
    return weighted


def reindex(session: Session, products: Sequence[Product]) -> None:
    """Rewrite the index rows of these products (call after any change of their text)."""
    ids = [p.id for p in products]
    if not ids:
        return
    session.execute(delete(ProductTerm).where(ProductTerm.product_id.in_(ids)))
    rows = [
        {"term": term, "product_id": p.id, "weight": weight}
        for p in products
        for term, weight in product_terms(p, p.jail).items()
    ]
    if rows:
        session.execute(ProductTerm.__table__.insert(), rows)


def query_terms(text: str) -> list[str]:
    return [t for t in terms(text, drop_stopwords=True) if not (t.isdigit() and len(t) < 3)]


def _jail_filter(session: Session, jail: str):  # type: ignore[no-untyped-def]
    words = " ".join(terms(jail))
    j = Jail
    return Product.jail_id.in_(
        select(j.id).where(
            or_(
                func.lower(j.code) == jail.lower(),
                func.lower(j.town) == words,
                func.lower(j.region) == words,
                func.lower(j.name).contains(words),
            )
        )
    )


def _price_filter(session: Session, max_minor: int, currency: str):  # type: ignore[no-untyped-def]
    """Price at most ``max_minor`` of ``currency``, converting with staff-set rates."""
    conditions = [and_(Product.currency == currency, Product.price_minor <= max_minor)]
    for rate in session.scalars(select(ExchangeRate).where(ExchangeRate.base == currency)):
        limit = int(max_minor * rate.rate)
        conditions.append(and_(Product.currency == rate.currency, Product.price_minor <= limit))
    return or_(*conditions)


def _apply_filters(session: Session, stmt: Select, f: SearchFilters) -> Select:
    stmt = stmt.where(Product.active.is_(True))
    if f.category:
        stmt = stmt.where(Product.category == f.category.lower())
    if f.jail:
        stmt = stmt.where(_jail_filter(session, f.jail))
    if f.max_price_minor is not None:
        stmt = stmt.where(_price_filter(session, f.max_price_minor, f.max_price_currency))
    if f.in_stock:
        stmt = stmt.where(or_(Product.stock > 0, Product.lead_time_days > 0))
    return stmt


def search(
    session: Session,
    text: str = "",
    filters: SearchFilters | None = None,
    *,
    limit: int = 5,
    offset: int = 0,
) -> SearchPage:
    """Products matching the buyer's words and filters, best first, one page at a time."""
    f = filters or SearchFilters()
    words = query_terms(text)
    in_stock_first = case((Product.stock > 0, 0), else_=1)
    if not words:
        stmt = _apply_filters(session, select(Product), f)
        stmt = stmt.order_by(in_stock_first, Product.category, Product.price_minor, Product.id)
    else:
        q = union_all(*(select(literal(w).label("word")) for w in words)).cte("q")
        exact = case((ProductTerm.term == q.c.word, 2), else_=1)
        per_word = (
            select(
                ProductTerm.product_id.label("pid"),
                func.max(ProductTerm.weight * exact).label("w"),
            )
            .join(
                q,
                and_(ProductTerm.term >= q.c.word, ProductTerm.term < q.c.word + _PREFIX_END),
            )
            .group_by(ProductTerm.product_id, q.c.word)
            .subquery()
        )
        scores = (
            select(
                per_word.c.pid,
                func.count().label("matched"),
                func.sum(per_word.c.w).label("score"),
            )
            .group_by(per_word.c.pid)
            .subquery()
        )
        stmt = _apply_filters(
            session, select(Product).join(scores, scores.c.pid == Product.id), f
        ).order_by(
            scores.c.matched.desc(),
            scores.c.score.desc(),
            in_stock_first,
            Product.price_minor,
            Product.id,
        )
    rows = list(session.scalars(stmt.limit(limit + 1).offset(offset)).unique())
    return SearchPage(products=rows[:limit], has_more=len(rows) > limit)


def categories(session: Session) -> list[tuple[str, int]]:
    """Categories on sale with how many products each has, most first."""
    stmt = (
        select(Product.category, func.count())
        .where(Product.active.is_(True))
        .group_by(Product.category)
        .order_by(func.count().desc(), Product.category)
    )
    return [(c, n) for c, n in session.execute(stmt)]


__all__ = ["SearchFilters", "SearchPage", "categories", "reindex", "search"]
