"""Free-text product search with filters and ranking, over the ``product_terms`` index.

Ranking: products matching more of the buyer's words first, then exact word matches and
name matches over keyword and place matches, then what is in stock, then cheapest.

Search never reads every index row of a common word. Each index row carries its product's
stock, price and visibility, so one word's matches come in ranking order from an index
(``_walk``). Several words with few index rows between them are aggregated row by row
(``_every_row``). Otherwise the products with the rarest word are scored (``_score``, one
index probe per product and word), then, if fewer than a page match every word, those
missing only the rarest word; both exact. Only when that still leaves the page short (or
every word is common) is it filled from the best matches of each word alone, scored on all
words: exact for two words after the rarest was scored, best effort beyond. Browsing
without words reads products in (category, price) order. On PostgreSQL every statement of a
search is planned for its own words (``_custom_plans``), and the rarest word's products are
scored a batch at a time in rank order, stopping when no product below the batch can reach
the page (``_score_rarest``: exact, one statement with the page fill).

Statements per search: ``_words``, the ranking (one to three; one on PostgreSQL unless the
search filters on category, stock or price, or a page missing only the rarest word is looked
for), the products; filters add one
statement each at most: the buyer's country (``shipping.reachable_jails``: which jails can send
there, read once and turned into the shortest condition on ``jail_id`` and the food flag), the
jail (ids and product count in one), a price in another currency (the rates).

The jail and the buyer's country are checked on the index rows themselves: each carries its
product's ``jail_id`` and ``food`` flag, in the rank index (``sort_keys``, migration 0008), so
"aam ka achaar" to Britain reads the words' index entries and no product. Category, stock and
price filters join each index row to its product.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    Table,
    and_,
    case,
    delete,
    func,
    literal,
    or_,
    select,
    true,
    tuple_,
    union_all,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session, joinedload

from catalog import shipping
from catalog.models import Base, ExchangeRate, Jail, Product, ProductTerm
from catalog.text import terms

# Where a word appears in a product, and what a match there is worth.
NAME, KEYWORD, PLACE = 3, 2, 1
_PREFIX_END = "\U0010ffff"
# The rarest word's products are scored in full up to this many; jails with fewer products
# are searched product by product.
CANDIDATE_CAP = 2000
# The rarest word's products are scored in batches of this many per term first (PostgreSQL,
# ``_score_rarest``): enough when the page is found among them.
RARE_BATCH = 48
# Words with fewer index rows than this between them are simply aggregated row by row.
EVERY_ROW_CAP = 500
# What a query may hold: the first words count, the rest are ignored, so whatever a buyer (or
# an injected entity) sends, a search costs at most this many words' statements.
MAX_QUERY_WORDS = 8
MAX_QUERY_CHARS = 300
MAX_OFFSET = 1000  # pages beyond this are empty: nobody pages through 200 pages of five
NO_PRICE_LIMIT = 10**12  # a "most I'll pay" this high limits nothing (and fits every integer)


def _table(model: type[Base]) -> Table:
    """The model's Table. SQLAlchemy types ``__table__`` as the wider FromClause, which has
    no ``insert()``; a declarative model with columns is always mapped to a Table."""
    table = model.__table__
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not mapped to a Table")
    return table


_TERMS = _table(ProductTerm)
# Core columns: statements built from them cost a fraction of ORM attribute expressions.
_T = _TERMS.c
_P = Product.__table__.c


@dataclass(frozen=True)
class SearchFilters:
    category: str | None = None
    jail: str | None = None  # a jail code, town, or region ("Kanda", "Bhadohi", "UP")
    max_price_minor: int | None = None
    max_price_currency: str = "INR"
    in_stock: bool = False
    # the buyer's country (ISO code): only what can be sent there (``catalog.shipping``)
    ship_to: str | None = None


@dataclass(frozen=True)
class SearchPage:
    products: list[Product]
    has_more: bool
    unmatched: tuple[str, ...] = ()  # the query's words that no product has ("chess")


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
    """Rewrite the index rows of these products (call after any change of their text). Sizes
    and colours have none: buyers find their parent."""
    ids = [p.id for p in products]
    if not ids:
        return
    session.execute(delete(ProductTerm).where(ProductTerm.product_id.in_(ids)))
    rows = [
        {"term": term, "product_id": p.id, "weight": weight, **sort_keys(p)}
        for p in products
        if p.parent_id is None
        for term, weight in product_terms(p, p.jail).items()
    ]
    if rows:
        session.execute(_TERMS.insert(), rows)


# The product's columns copied into each of its index rows, in this order (``sort_keys``).
COPIED = ("in_stock", "price_minor", "active", "jail_id", "food")


def sort_keys(product: Product) -> dict[str, object]:
    """The product's columns copied into each of its index rows (``COPIED``): what search
    orders by and what the buyer's country filter reads. Triggers on ``products`` keep them
    (migrations 0002 and 0008)."""
    return {
        "in_stock": product.stock > 0,
        "price_minor": product.price_minor,
        "active": bool(product.active),
        "jail_id": product.jail_id,
        "food": shipping.is_food(product),
    }


def query_terms(text: str) -> list[str]:
    """The words a search looks for: each once, at most MAX_QUERY_WORDS of them."""
    words = terms(text[:MAX_QUERY_CHARS], drop_stopwords=True)
    kept = dict.fromkeys(w[:100] for w in words if not (w.isdigit() and len(w) < 3))
    return list(kept)[:MAX_QUERY_WORDS]


# ------------------------------------------------------------------ filters
def _jail_ids(session: Session, jail: str) -> tuple[list[int], bool]:
    """The ids of the jails ``jail`` names, and whether they have fewer than CANDIDATE_CAP
    products between them: one statement (each row carries the capped count)."""
    words = " ".join(terms(jail))
    j = Jail
    named = or_(
        func.lower(j.code) == jail.lower(),
        func.lower(j.town) == words,
        func.lower(j.region) == words,
        func.lower(j.name).contains(words),
    )
    in_jails = select(_P.id).where(_P.jail_id.in_(select(j.id).where(named)))
    capped = select(func.count()).select_from(in_jails.limit(CANDIDATE_CAP).subquery())
    rows = session.execute(select(j.id, capped.scalar_subquery()).where(named)).all()
    return [r[0] for r in rows], not rows or int(rows[0][1] or 0) < CANDIDATE_CAP


def _price_filter(session: Session, max_minor: int, currency: str) -> ColumnElement[bool]:
    """Price at most ``max_minor`` of ``currency``, converting with staff-set rates."""
    conditions = [and_(_P.currency == currency, _P.price_minor <= max_minor)]
    for rate in session.scalars(select(ExchangeRate).where(ExchangeRate.base == currency)):
        limit = int(max_minor * rate.rate)
        conditions.append(and_(_P.currency == rate.currency, _P.price_minor <= limit))
    return or_(*conditions)


@dataclass
class _Filters:
    """The buyer's filters resolved once per search: jail ids, price condition, and the
    buyer's country as conditions on the products and on the index rows."""

    f: SearchFilters
    jail_ids: list[int] | None = None
    few_jail_products: bool = False
    price: ColumnElement[bool] | None = None
    reach: ColumnElement[bool] | None = None  # on ``products``; None: nothing left out
    reach_terms: ColumnElement[bool] | None = None  # the same on ``product_terms``' copies

    @property
    def on_products(self) -> bool:
        """Whether a filter needs the product itself (then each index row of the words is
        joined to its product). The jail and the buyer's country are read from the index
        rows (``ProductTerm.jail_id``, ``ProductTerm.food``)."""
        return bool(self.f.category or self.f.in_stock or self.price is not None)

    def _product_only(self, stmt: Select) -> Select:
        """On sale, and the filters only the product can answer (category, price, stock)."""
        stmt = stmt.where(_P.active.is_(True), _P.parent_id.is_(None))
        if self.f.category:
            stmt = stmt.where(_P.category == self.f.category.lower())
        if self.price is not None:
            stmt = stmt.where(self.price)
        if self.f.in_stock:
            stmt = stmt.where(or_(_P.stock > 0, _P.lead_time_days > 0))
        return stmt

    def apply(self, stmt: Select) -> Select:
        """The filters on a statement over ``products``."""
        stmt = self._product_only(stmt)
        if self.jail_ids is not None:
            # Many products: check each while an ordered index is walked ("+ 0" keeps
            # SQLite from fetching all of them through the jail index and sorting).
            col = _P.jail_id if self.few_jail_products else _P.jail_id + 0
            stmt = stmt.where(col.in_(self.jail_ids))
        if self.reach is not None:
            stmt = stmt.where(self.reach)
        return stmt

    def apply_terms(self, stmt: Select) -> Select:
        """The filters on a statement over ``product_terms``: the jail and the country on
        the index rows themselves (their copies, read from the rank index); the rest, if any,
        on their products (joined)."""
        if self.jail_ids is not None:
            stmt = stmt.where(_T.jail_id.in_(self.jail_ids))
        if self.reach_terms is not None:
            stmt = stmt.where(self.reach_terms)
        if not self.on_products:
            return stmt
        return self._product_only(stmt.join(Product, _P.id == _T.product_id))


def _is_food(products: Any) -> ColumnElement[bool]:
    """``shipping.is_food`` as SQL, on ``products`` columns."""
    food = products.category.in_(sorted(shipping.FOOD_CATEGORIES))
    return or_(food, products.perishable.is_(True))


def _reach(session: Session, destination: str) -> ColumnElement[bool] | None:
    """Products that can be sent to ``destination`` (a condition on ``products``); None
    when that leaves nothing out."""
    reach = shipping.reachable_jails(session, destination)
    return _reach_condition(reach, _P.jail_id + 0, _is_food(_P))


def _reach_condition(
    reach: shipping.JailReach, jail: ColumnElement[int], is_food: ColumnElement[bool]
) -> ColumnElement[bool] | None:
    """From a jail that ships there, and food only from its own country's jails, on the
    columns given (a product's, or an index row's copies); None when that leaves nothing out.

    The jails are resolved first (a few hundred rows, ``shipping.reachable_jails``), so the
    condition is the shortest that says the same: the jails left out rather than those kept
    when they are fewer (India: every jail but Pakistan's), no jail condition when every jail
    ships there, and no food condition when the jail condition already implies it."""
    conditions: list[ColumnElement[bool]] = []
    if reach.unreached:
        if len(reach.ships) <= len(reach.unreached):
            conditions.append(jail.in_(reach.ships))
        else:
            conditions.append(jail.not_in(reach.unreached))
    if reach.food != reach.ships:  # some jail ships there but may not send its food
        conditions.append(or_(~is_food, jail.in_(reach.food)) if reach.food else ~is_food)
    return and_(*conditions) if conditions else None


def _resolve(session: Session, f: SearchFilters) -> _Filters:
    out = _Filters(f)
    if f.jail:
        out.jail_ids, out.few_jail_products = _jail_ids(session, f.jail)
    if f.max_price_minor is not None and f.max_price_minor < NO_PRICE_LIMIT:
        out.price = _price_filter(session, max(f.max_price_minor, 0), f.max_price_currency)
    if f.ship_to:
        reach = shipping.reachable_jails(session, f.ship_to)
        out.reach = _reach_condition(reach, _P.jail_id + 0, _is_food(_P))  # "+ 0": per row
        out.reach_terms = _reach_condition(reach, _T.jail_id, _T.food.is_(True))
    return out


# ------------------------------------------------------------------ ranking
# A ranked match: (matched words, score, in stock, price, product id).
Ranked = tuple[int, int, bool, int, int]


def _best_first(r: Ranked) -> tuple[int, int, bool, int, int]:
    return (-r[0], -r[1], not r[2], r[3], r[4])


@dataclass
class _Word:
    """A query word and what the index holds for it."""

    text: str
    rows: int  # index rows of terms starting with it, counted up to CANDIDATE_CAP
    terms: list[str] | None  # the indexed terms starting with it; None if very many

    @property
    def end(self) -> str:
        return self.text + _PREFIX_END


def _words(session: Session, texts: list[str], count: bool, most: int = 20) -> list[_Word]:
    """Each word's indexed terms (up to ``most``; None if more) and, when ``count``, its
    capped row count: one statement for all the words. The terms are listed one index seek
    each, a recursive query stepping from term to term, so a word that starts thousands of
    terms costs ``most`` seeks."""
    ctes, parts = [], []
    params: dict[str, object] = {"most": most, "cap": CANDIDATE_CAP}
    for i, w in enumerate(texts):
        params[f"w{i}"], params[f"e{i}"] = w, w + _PREFIX_END
        ctes.append(
            f"r{i}(term, k) AS ("
            f"SELECT (SELECT term FROM product_terms WHERE term >= :w{i} AND term < :e{i}"
            f" ORDER BY term LIMIT 1), 1"
            f" UNION ALL SELECT (SELECT t.term FROM product_terms t"
            f" WHERE t.term > r{i}.term AND t.term < :e{i} ORDER BY t.term LIMIT 1), k + 1"
            f" FROM r{i} WHERE r{i}.term IS NOT NULL AND k <= :most)"
        )
        parts.append(f"SELECT {i} AS i, term, NULL AS n FROM r{i} WHERE term IS NOT NULL")
        if count:
            parts.append(
                f"SELECT {i}, NULL, count(*) FROM (SELECT term FROM product_terms"
                f" WHERE term >= :w{i} AND term < :e{i} LIMIT :cap) AS c{i}"
            )
    stmt = sql_text(f"WITH RECURSIVE {', '.join(ctes)} {' UNION ALL '.join(parts)}")
    found: list[list[str]] = [[] for _ in texts]
    rows = [0] * len(texts)
    for i, term, n in session.execute(stmt, params):
        if term is not None:
            found[i].append(term)
        else:
            rows[i] = int(n or 0)
    return [
        _Word(w, rows[i], found[i] if len(found[i]) <= most else None)
        for i, w in enumerate(texts)
    ]


def _walk(session: Session, words: list[_Word], flt: _Filters, n: int) -> list[Ranked]:
    """The ``n`` best products for each word alone, read in order from the rank index (one
    statement): each term starting with the word in its own order, the word itself counting
    double, merged per word."""
    branches = []
    for i, word in enumerate(words):
        for term in word.terms or []:
            factor = 2 if term == word.text else 1
            stmt = select(
                literal(i).label("w"),
                _T.product_id,
                (_T.weight * factor).label("lv"),
                _T.in_stock,
                _T.price_minor,
            ).where(_T.term == term, _T.active == true())
            stmt = flt.apply_terms(stmt)
            order = (_T.weight.desc(), _T.in_stock.desc(), _T.price_minor, _T.product_id)
            branches.append(select(stmt.order_by(*order).limit(n).subquery()))
    if not branches:
        return []
    best: list[dict[int, Ranked]] = [{} for _ in words]
    for i, pid, level, in_stock, price in session.execute(union_all(*branches)):
        r = (1, level, bool(in_stock), price, pid)
        if pid not in best[i] or _best_first(r) < _best_first(best[i][pid]):
            best[i][pid] = r
    return [r for per_word in best for r in sorted(per_word.values(), key=_best_first)[:n]]


def _per_match(words: list[_Word]) -> int:
    return 6 * len(words) + 1  # more than any score: matched words count first


def _in_range(t: Any, word: _Word, pid: ColumnElement[int], postgres: bool) -> ColumnElement[bool]:
    """The row of ``t`` is product ``pid``'s and holds a term starting with the word: a seek
    of ``ix_product_terms_product_term`` (product_id, term) from (pid, word) to (pid, end).

    On PostgreSQL as a row comparison, which only that index can serve. PostgreSQL estimates
    a prefix range like "wool".."wool\\U0010ffff" at one row, so with ``term >= w AND term < e
    AND product_id = pid`` it may take the rank index (term first) and check the product id
    in it: on a freshly analysed 100k catalog it did, reading all 4 500 "wool" entries for
    each of 752 products (0.47 ms a probe, 350 ms a search). Same rows, same order."""
    if postgres:
        row = tuple_(t.c.product_id, t.c.term)
        return and_(
            t.c.product_id == pid,
            row >= tuple_(pid, literal(word.text, String)),
            row < tuple_(pid, literal(word.end, String)),
        )
    return and_(t.c.product_id == pid, t.c.term >= word.text, t.c.term < word.end)


def _level(
    word: _Word, pid: ColumnElement[int], per_match: int, i: int, postgres: bool
) -> ColumnElement[int]:
    """``per_match`` plus the product's score for the word, NULL if it lacks the word:
    one probe of ``ix_product_terms_product_term``."""
    t = _TERMS.alias(f"t{i}")  # a Core alias: an ORM one costs milliseconds to build
    if word.terms == [word.text]:
        # "term between w and w", not "term = w": with equality SQLite takes the primary
        # key (term, product_id), which lacks the weight, over the covering index.
        return (
            select(per_match + t.c.weight * 2)
            .where(t.c.product_id == pid, t.c.term.between(word.text, word.text))
            .scalar_subquery()
        )
    level = t.c.weight * case((t.c.term == word.text, 2), else_=1)
    in_range = _in_range(t, word, pid, postgres)
    return select(per_match + func.max(level)).where(in_range).scalar_subquery()


def _score(
    session: Session, candidates: Select, words: list[_Word], n: int, first_known: bool = False
) -> list[Ranked]:
    """The ``n`` best candidates: a select of (product id, in stock, price), and with
    ``first_known`` the first word's level; the other words are probed per candidate."""
    c = candidates.subquery("c")
    pid, in_stock, price = c.c[0], c.c[1], c.c[2]
    per_match = _per_match(words)
    parts: list[ColumnElement[Any]] = [c.c[3]] if first_known else []
    postgres = _postgres(session)
    for i, word in enumerate(words[1:] if first_known else words):
        parts.append(func.coalesce(_level(word, pid, per_match, i, postgres), 0))
    key = sum(parts[1:], parts[0]).label("k")
    stmt = select(pid, key, in_stock, price).order_by(key.desc(), in_stock.desc(), price, pid)
    return [
        (k // per_match, k % per_match, bool(stocked), cost, p)
        for p, k, stocked, cost in session.execute(stmt.limit(n))
        if k
    ]


def _score_rarest(
    session: Session, words: list[_Word], flt: _Filters, n: int, fill: bool = False
) -> tuple[list[Ranked], list[Ranked] | None, bool]:
    """``_score`` of every product with the rarest word (fewer than CANDIDATE_CAP index rows),
    on PostgreSQL ended early where it can be and, with ``fill``, the page fill of
    ``_ranked`` in the same statement. Returns the rarest word's ``n`` best; the fill's
    scored products (None when not asked for, or not needed: the ``n`` best all match every
    word); and whether the early end held.

    Scoring costs a few microseconds per product and word ("mitti ke diye": 1 777 "diya"
    products probed for "clay", 6-10 ms at 100 000 products), and a page of products matching
    every word at their best is usually among a word's first few dozen in rank order. So
    each of the word's terms is read in rank-index order (weight, stock, price, id: the
    ranking's own order among that term's products) and the first RARE_BATCH products of
    each are scored. Any product further down ranks at best as the boundary product (the
    RARE_BATCH + 1st of its term) would if every other word matched it at the best level any
    product has that word (the highest weight of each of its terms: the first entry of the
    rank index, one probe per term). When the ``n`` best of the batch all rank above that bound
    for every term, they are the answer, exactly; otherwise (fewer than ``n`` found, or a
    boundary product might still win) every product with the word is scored as before. Both
    are branches of one statement, each gated on the check, which PostgreSQL evaluates once
    (a one-time filter) and so skips the branch not taken; the fill is gated the same way.

    The statement is plain SQL text: built from SQLAlchemy constructs it cost ~3 ms of Python
    per search, more than the scoring it saves. SQLite (scoring is ~3 ms there) and searches
    filtering on the products themselves (category, stock, price: their order is not the
    index's) take ``_score`` and ``_walk`` as before."""
    word = words[0]
    per_match = _per_match(words)
    if not _postgres(session) or flt.on_products or not word.terms:
        return _score(session, _containing(word, flt, per_match), words, n, True), None, False
    params: dict[str, object] = {"pm": per_match, "n": n, "b": RARE_BATCH, "b1": RARE_BATCH + 1,
                                 "full": len(words) * per_match}
    for i, w in enumerate(words):
        params[f"w{i}"], params[f"e{i}"] = w.text, w.end
    where = _condition(session, flt, terms=True)
    streams = []
    for j, term in enumerate(word.terms):
        params[f"t{j}"] = term
        streams.append(
            f"SELECT product_id, in_stock, price_minor, lv, row_number() OVER ("
            f"ORDER BY lv DESC, in_stock DESC, price_minor, product_id) AS rn FROM ("
            f"{_term_rows(f't{j}', 2 if term == word.text else 1, where, ':b1')}) AS s{j}"
        )
    one_term = len(word.terms) == 1

    def scored(candidates: str, first: str | None) -> str:
        """The ``n`` best of the candidates (pid, in_stock, price_minor[, lv0]), as
        (pid, k, in_stock, price_minor): each other word's level from a probe of
        ``ix_product_terms_product_term`` per candidate, as ``_level`` has it. (One probe per
        candidate for all the words, reading its index rows between the words, was faster
        for "red wool blanket for winter", 8.3 -> 7.0 ms, and slower where the words lie
        far apart in the alphabet: "blanket gift winter" read 12 rows a product.)"""
        parts = [f"c.{first}"] if first else []
        for i, w in enumerate(words):
            if first and i == 0:
                continue
            if w.terms == [w.text]:
                probe = (
                    f"SELECT :pm + p.weight * 2 FROM product_terms AS p WHERE p.product_id ="
                    f" c.pid AND p.term BETWEEN :w{i} AND :w{i}"
                )
            else:
                probe = (
                    f"SELECT :pm + max(p.weight * CASE WHEN p.term = :w{i} THEN 2 ELSE 1 END)"
                    f" FROM product_terms AS p WHERE p.product_id = c.pid"
                    f" AND (p.product_id, p.term) >= (c.pid, :w{i})"
                    f" AND (p.product_id, p.term) < (c.pid, :e{i})"
                )
            parts.append(f"coalesce(({probe}), 0)")
        return (
            f"SELECT c.pid, {' + '.join(parts)} AS k, c.in_stock, c.price_minor"
            f" FROM ({candidates}) AS c ORDER BY k DESC, c.in_stock DESC, c.price_minor, c.pid"
            f" LIMIT :n"
        )

    if one_term:
        batch = "SELECT product_id AS pid, in_stock, price_minor, :pm + lv AS lv0 FROM b"
    else:
        batch = "SELECT DISTINCT product_id AS pid, in_stock, price_minor FROM b"
    batch += " WHERE rn <= :b"
    containing = (
        f"SELECT product_id AS pid, in_stock, price_minor, :pm + max(weight * CASE WHEN"
        f" term = :w0 THEN 2 ELSE 1 END) AS lv0 FROM product_terms WHERE term >= :w0"
        f" AND term < :e0 AND active = true{where} GROUP BY product_id, in_stock, price_minor"
    )
    # The most a product below a boundary row can score: its term's level there, every
    # other word at the best level any product has it (``most``).
    most = []
    for i, w in enumerate(words[1:], start=1):
        tops = []
        for j, term in enumerate(w.terms or []):
            params[f"m{i}_{j}"] = term
            tops.append(
                f"(SELECT weight * {2 if term == w.text else 1} FROM product_terms WHERE term ="
                f" :m{i}_{j} AND active = true ORDER BY weight DESC LIMIT 1)"
            )
        most.append(f"coalesce(greatest({', '.join(tops)}), 0)" if tops else str(NAME * 2))
    best_other = " + ".join(f"{per_match} + {m}" for m in most)
    sql = (
        f"WITH b AS MATERIALIZED ({' UNION ALL '.join(streams)}),"
        f" s AS MATERIALIZED ({scored(batch, 'lv0' if one_term else None)}),"
        f" nth AS (SELECT k, in_stock, price_minor, pid FROM s"
        f" ORDER BY k DESC, in_stock DESC, price_minor, pid OFFSET :n - 1 LIMIT 1),"
        f" enough AS (SELECT NOT EXISTS (SELECT 1 FROM b WHERE rn = :b1)"
        f" OR ((SELECT count(*) FROM s) >= :n AND NOT EXISTS (SELECT 1 FROM b, nth"
        f" WHERE b.rn = :b1 AND (:pm + b.lv + {best_other}, b.in_stock, -b.price_minor,"
        f" -b.product_id) >= (nth.k, nth.in_stock, -nth.price_minor, -nth.pid))) AS ok),"
        f" r AS MATERIALIZED (SELECT pid, k, in_stock, price_minor, true AS early FROM s"
        f" WHERE (SELECT ok FROM enough) UNION ALL SELECT pid, k, in_stock, price_minor, false"
        f" FROM ({scored(containing, 'lv0')}) AS f WHERE NOT (SELECT ok FROM enough))"
        f" SELECT 0, pid, k, in_stock, price_minor, early FROM r"
    )
    if fill:  # unless the rarest word's ``n`` best all match every word (``_page_of``)
        sql += (
            f" UNION ALL SELECT 1, pid, k, in_stock, price_minor, false FROM"
            f" ({_fill(words, flt, session, params, scored)}) AS g WHERE NOT ("
            f"(SELECT count(*) FROM r) = :n AND NOT EXISTS (SELECT 1 FROM r WHERE k < :full))"
        )
    rows = session.execute(sql_text(sql), params).all()
    found: list[list[Ranked]] = [[], []]
    for part, p, k, stocked, cost, _early in rows:
        if k:
            found[part].append((k // per_match, k % per_match, bool(stocked), cost, p))
    early = any(r[0] == 0 and r[5] for r in rows)
    page = sorted(found[0], key=_best_first)
    done = len(page) == n and all(r[0] == len(words) for r in page)  # as ``_page_of``
    return found[0], None if not fill or done else found[1], early


def _fill(
    words: list[_Word],
    flt: _Filters,
    session: Session,
    params: dict[str, object],
    scored: Callable[[str, str | None], str],
) -> str:
    """``_ranked``'s page fill as SQL over the CTE ``r`` (the rarest word's best): the
    ``n + len(r)`` best products of each other word alone (``_walk``), scored on every word
    (``_score`` of ``_products``)."""
    per_word = []
    where = _condition(session, flt, terms=True)
    for i, w in enumerate(words[1:], start=1):
        branches = []
        for j, term in enumerate(w.terms or []):
            params[f"f{i}_{j}"] = term
            factor = 2 if term == w.text else 1
            limit = ":n + (SELECT count(*) FROM r)"
            branches.append(f"({_term_rows(f'f{i}_{j}', factor, where, limit)})")
        per_word.append(
            f"(SELECT product_id FROM ({' UNION ALL '.join(branches)}) AS x{i}"
            f" GROUP BY product_id, in_stock, price_minor ORDER BY max(lv) DESC,"
            f" in_stock DESC, price_minor, product_id LIMIT :n + (SELECT count(*) FROM r))"
        )
    candidates = (
        f"SELECT id AS pid, stock > 0 AS in_stock, price_minor FROM products WHERE id IN"
        f" ({' UNION '.join(per_word)}) AND active = true AND parent_id IS NULL"
        f"{_condition(session, flt, terms=False)}"
    )
    return scored(candidates, None)


def _term_rows(param: str, factor: int, where: str, limit: str) -> str:
    """SQL: the first ``limit`` products of one term (bound as ``param``) in rank-index order,
    as (product_id, in_stock, price_minor, lv), lv its weight times ``factor``."""
    return (
        f"SELECT product_id, in_stock, price_minor, weight * {factor} AS lv FROM product_terms"
        f" WHERE term = :{param} AND active = true{where}"
        f" ORDER BY weight DESC, in_stock DESC, price_minor, product_id LIMIT {limit}"
    )


def _condition(session: Session, flt: _Filters, terms: bool) -> str:
    """The jail and country filters as SQL (" AND ..." or ""), their values written in (ids
    and booleans only): on ``product_terms``' copies (``apply_terms``) or on ``products``
    (``apply``)."""
    conditions: list[ColumnElement[bool]] = []
    if flt.jail_ids is not None:
        col = _T.jail_id if terms else (_P.jail_id if flt.few_jail_products else _P.jail_id + 0)
        conditions.append(col.in_(flt.jail_ids))
    reach = flt.reach_terms if terms else flt.reach
    if reach is not None:
        conditions.append(reach)
    if not conditions:
        return ""
    compiled = and_(*conditions).compile(
        dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True}
    )
    return f" AND {compiled}"


def _containing(word: _Word, flt: _Filters, per_match: int) -> Select:
    """Candidates for ``_score``: the products with the word, with its level."""
    level = per_match + func.max(_T.weight * case((_T.term == word.text, 2), else_=1))
    stmt = select(_T.product_id, _T.in_stock, _T.price_minor, level).where(
        _T.term >= word.text, _T.term < word.end, _T.active == true()
    )
    return flt.apply_terms(stmt).group_by(_T.product_id, _T.in_stock, _T.price_minor)


def _every_row(session: Session, words: list[_Word], flt: _Filters, n: int) -> list[Ranked]:
    """The ``n`` best from every index row of every word: for words with few rows."""
    per_word = []
    for i, word in enumerate(words):
        level = func.max(_T.weight * case((_T.term == word.text, 2), else_=1))
        stmt = select(
            _T.product_id, literal(i).label("w"), level.label("lv"), _T.in_stock, _T.price_minor
        ).where(_T.term >= word.text, _T.term < word.end, _T.active == true())
        if not flt.on_products:  # else on the products, once per product below
            stmt = flt.apply_terms(stmt)
        per_word.append(stmt.group_by(_T.product_id, _T.in_stock, _T.price_minor))
    u = union_all(*per_word).subquery("u")
    pid, in_stock, price = u.c.product_id, u.c.in_stock, u.c.price_minor
    matched, score = func.count().label("m"), func.sum(u.c.lv).label("s")
    stmt = select(pid, matched, score, in_stock, price).group_by(pid, in_stock, price)
    if flt.on_products:
        stmt = flt.apply(stmt.join(Product, _P.id == pid))
    stmt = stmt.order_by(matched.desc(), score.desc(), in_stock.desc(), price, pid)
    return [
        (m, sc, bool(stocked), cost, p)
        for p, m, sc, stocked, cost in session.execute(stmt.limit(n))
    ]


def _has(word: _Word, i: int, postgres: bool) -> ColumnElement[bool]:
    """The product of the ``product_terms`` row at hand has the word too."""
    h = _TERMS.alias(f"h{i}")
    return select(h.c.product_id).where(_in_range(h, word, _T.product_id, postgres)).exists()


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _page_of(best: dict[int, Ranked], n: int, matched: int) -> bool:
    """Whether the ``n`` best so far all match at least ``matched`` words."""
    top = sorted(best.values(), key=_best_first)[:n]
    return len(top) == n and all(r[0] >= matched for r in top)


def _products(flt: _Filters, ids: list[int] | None = None) -> Select:
    """Candidates for ``_score``: products passing the filters (of these ids, if given)."""
    stmt = flt.apply(select(_P.id, _P.stock > 0, _P.price_minor))
    return stmt if ids is None else stmt.where(_P.id.in_(ids))


def _ranked(session: Session, words: list[_Word], flt: _Filters, n: int) -> list[Ranked]:
    """The ``n`` best matches of the words (each in the index), rarest first."""
    if flt.jail_ids is not None and flt.few_jail_products:
        return _score(session, _products(flt), words, n)
    if any(w.terms is None for w in words):  # a word starting very many terms
        return _score(session, _containing(words[0], flt, _per_match(words)), words, n, True)
    if len(words) == 1:
        return _walk(session, words, flt, n)
    if sum(w.rows for w in words) < EVERY_ROW_CAP:
        return _every_row(session, words, flt, n)
    best: dict[int, Ranked] = {}
    per_match = _per_match(words)
    if words[0].rows < CANDIDATE_CAP:
        # Every product with all the words has the rarest one.
        missing_one = len(words) > 2 and words[1].rows < CANDIDATE_CAP
        rarest, filled, _early = _score_rarest(session, words, flt, n, fill=not missing_one)
        best = {r[4]: r for r in rarest}
        if _page_of(best, n, len(words)):
            return sorted(best.values(), key=_best_first)[:n]
        if filled is not None:  # the fill below, done in the same statement
            best.update((r[4], r) for r in filled)
            return sorted(best.values(), key=_best_first)[:n]
        if missing_one:
            # Every product missing one word has the rarest or all the others.
            rest = _containing(words[1], flt, per_match)
            postgres = _postgres(session)
            rest = rest.where(*(_has(w, i, postgres) for i, w in enumerate(words[2:])))
            reordered = [words[1], words[0], *words[2:]]
            best.update((r[4], r) for r in _score(session, rest, reordered, n, True))
            if _page_of(best, n, len(words) - 1):
                return sorted(best.values(), key=_best_first)[:n]
    # Fill the page with the best matches of each other word, scored on every word. Exact for
    # two words once the rarest was scored (a product with only the other word is among
    # that word's best); otherwise partial matches outside each word's best are missed.
    others = {r[4] for r in _walk(session, words[1:] if best else words, flt, n + len(best))}
    if others:
        best.update((r[4], r) for r in _score(session, _products(flt, sorted(others)), words, n))
    return sorted(best.values(), key=_best_first)[:n]


def _products_with_jails() -> Select:
    """Products as search returns them: with the jail and its shipping rates, joined into the
    one statement (the rates' own ``selectin`` would cost a second round trip per search)."""
    return select(Product).options(joinedload(Product.jail).joinedload(Jail.shipping_rates))


def _browse(session: Session, flt: _Filters, n: int) -> list[Product]:
    """Products without words: in stock first, then by category and price."""
    rows: list[Product] = []
    for stocked in (_P.stock > 0, _P.stock <= 0):
        stmt = flt.apply(_products_with_jails().where(stocked))
        stmt = stmt.order_by(_P.category, _P.price_minor, _P.id)
        rows += session.scalars(stmt.limit(n - len(rows))).unique()
        if len(rows) >= n:
            break
    return rows


@contextmanager
def _custom_plans(session: Session) -> Iterator[None]:
    """On PostgreSQL, plan each of the search's statements for the words at hand.

    psycopg prepares a statement once it has run five times on a connection, and PostgreSQL
    then moves a prepared statement to a generic plan, made without the parameters' values.
    For ``term >= $1 AND term < $2`` such a plan cannot tell a rare word from a common one,
    and a search that takes 5 ms with its own plan took 20 to 150 ms with the generic one
    (measured at 100 000 products, bench/catalog_bench.py). So the search's statements are
    not prepared: each is planned with its values, as a statement run once is. This is the
    connection's own setting, put back afterwards, and costs no round trip (a ``SET LOCAL
    plan_cache_mode`` did, and stayed for the rest of the caller's transaction)."""
    driver: Any = session.connection().connection.driver_connection
    if not hasattr(driver, "prepare_threshold"):  # SQLite; psycopg2 never prepares
        yield
        return
    before = driver.prepare_threshold
    driver.prepare_threshold = None
    try:
        yield
    finally:
        driver.prepare_threshold = before


def search(
    session: Session,
    text: str = "",
    filters: SearchFilters | None = None,
    *,
    limit: int = 5,
    offset: int = 0,
) -> SearchPage:
    """Products matching the buyer's words and filters, best first, one page at a time."""
    if not 0 <= offset <= MAX_OFFSET or not 0 < limit <= MAX_OFFSET:
        return SearchPage(products=[], has_more=False)
    with _custom_plans(session):
        return _search(session, text, filters or SearchFilters(), limit, offset)


def _search(
    session: Session, text: str, filters: SearchFilters, limit: int, offset: int
) -> SearchPage:
    flt = _resolve(session, filters)
    n = offset + limit + 1
    words = query_terms(text)
    unmatched: tuple[str, ...] = ()
    if not words:
        rows = _browse(session, flt, n)[offset:]
    else:
        # Rarest first; words found nowhere count for nothing.
        looked_up = _words(session, words, len(words) > 1)
        unmatched = tuple(w.text for w in looked_up if w.terms == [])
        found_words = [w for w in looked_up if w.terms != []]
        found_words.sort(key=lambda w: w.rows)
        ranked = _ranked(session, found_words, flt, n)[offset:] if found_words else []
        ids = [r[4] for r in ranked]
        chosen = _products_with_jails().where(_P.id.in_(ids))
        found = {p.id: p for p in session.scalars(chosen).unique()}
        rows = [found[i] for i in ids if i in found]
    return SearchPage(products=rows[:limit], has_more=len(rows) > limit, unmatched=unmatched)


def categories(session: Session, ship_to: str | None = None) -> list[tuple[str, int]]:
    """Categories on sale with how many products each has, most first; with ``ship_to`` (a
    country's ISO code) only the products that can be sent there count."""
    stmt = (
        select(_P.category, func.count())
        .where(_P.active.is_(True), _P.parent_id.is_(None))
        .group_by(_P.category)
        .order_by(func.count().desc(), _P.category)
    )
    reach = _reach(session, ship_to) if ship_to else None
    if reach is not None:
        stmt = stmt.where(reach)
    return [(c, n) for c, n in session.execute(stmt)]


__all__ = ["SearchFilters", "SearchPage", "categories", "reindex", "search"]
