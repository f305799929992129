"""Search finds products however buyers write them: English, Devanagari, romanized Hindi."""

from __future__ import annotations

import pytest

from catalog.search import SearchFilters, categories, search


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kullu shawl", "KS-10"),
        ("mujhe 2 kullu shawl chahiye", "KS-10"),
        ("शॉल दिखाओ", "KS-10"),
        ("shal", "KS-10"),
        ("peshawari chappal", "PC-10"),
        ("चप्पल", "PC-10"),
        ("sandals", "PC-10"),
        ("achaar", "EP-10"),
        ("अचार", "EP-10"),
        ("kaleen", "BC-10"),
        ("football", "MS-101"),
        ("led bulb", "PB-10"),
    ],
)
def test_search_finds_product_in_any_script(seeded, query, expected):
    with seeded() as s:
        page = search(s, query)
    assert page.products and page.products[0].sku.startswith(expected)


def test_filters_and_paging(seeded):
    with seeded() as s:
        pickles = search(s, "", SearchFilters(category="pickles"), limit=2)
        assert len(pickles.products) == 2 and pickles.has_more
        rest = search(s, "", SearchFilters(category="pickles"), limit=2, offset=2)
        assert len(rest.products) == 1 and not rest.has_more
        cheap = search(s, "shawl", SearchFilters(max_price_minor=250000))
        assert all(p.sku != "KS-102" for p in cheap.products)  # 4200 INR is too dear
        assert any(p.sku == "PE-101" for p in cheap.products)  # 4500 PKR is about 1350 INR
        up = search(s, "", SearchFilters(jail="UP"), limit=100)
        assert {p.jail.region for p in up.products} == {"Uttar Pradesh"}
        assert search(s, "carpet", SearchFilters(jail="Bhadohi")).products[0].jail.code == "BHD"


def test_inactive_products_are_not_found(seeded):
    from catalog import products
    from catalog.db import transaction

    with transaction(seeded) as s:
        products.set_active(s, "MS-101", False, actor="staff:1")
    with seeded() as s:
        assert all(p.sku != "MS-101" for p in search(s, "football").products)
        assert ("sports", 1) in categories(s)


# ------------------------------------------------------------------ the fast paths
# ``search`` reads the index a few rows at a time; these compare it with the whole ranking
# computed the slow, obvious way: every index row of every word aggregated.

QUERIES = [
    "shawl",
    "wool",
    "kullu shawl",
    "leather belt",
    "wooden chair",
    "woollen socks winter",
    "red wool blanket for winter",
    "sheesham dining table",
    "gift",
    "pickle",
    "mitti ke diye",
    "zzzq",
    "kullu zzzq",
]
FILTERS = [
    None,
    SearchFilters(in_stock=True),
    SearchFilters(max_price_minor=200_000),
    SearchFilters(jail="UP"),
    SearchFilters(category="handloom"),
    SearchFilters(ship_to="IN"),  # every jail but Peshawar: "jail_id NOT IN (...)"
    SearchFilters(ship_to="GB"),  # every jail, no food: a condition on food alone
    SearchFilters(ship_to="PK"),  # Peshawar alone: "jail_id IN (...)"
    # the country on the index rows, the other filters on their products
    SearchFilters(ship_to="GB", max_price_minor=200_000),
    SearchFilters(ship_to="IN", jail="UP"),
]


def exhaustive(session, text, filters, limit, offset):  # type: ignore[no-untyped-def]
    """The ranking as search defines it, from every index row of every word."""
    from sqlalchemy import and_, case, func, literal, select, union_all

    from catalog.models import Product, ProductTerm
    from catalog.search import _PREFIX_END, _resolve, query_terms

    words = query_terms(text)
    if not words:
        return None
    q = union_all(*(select(literal(w).label("word")) for w in words)).cte("q")
    t = ProductTerm
    exact = case((t.term == q.c.word, 2), else_=1)
    per_word = (
        select(t.product_id.label("pid"), func.max(t.weight * exact).label("w"))
        .join(q, and_(t.term >= q.c.word, t.term < q.c.word + _PREFIX_END))
        .group_by(t.product_id, q.c.word)
        .subquery()
    )
    scores = (
        select(per_word.c.pid, func.count().label("matched"), func.sum(per_word.c.w).label("s"))
        .group_by(per_word.c.pid)
        .subquery()
    )
    stmt = _resolve(session, filters or SearchFilters()).apply(
        select(Product.sku).join(scores, scores.c.pid == Product.id)
    )
    stmt = stmt.order_by(
        scores.c.matched.desc(),
        scores.c.s.desc(),
        case((Product.stock > 0, 0), else_=1),
        Product.price_minor,
        Product.id,
    )
    return list(session.scalars(stmt.limit(limit + 1).offset(offset)))


@pytest.fixture
def catalog(seeded):  # type: ignore[no-untyped-def]
    """The demo catalog plus products that make rankings interesting: partial matches,
    ties broken by stock and price, an out-of-stock and a hidden product."""
    from catalog import products, stock
    from catalog.db import transaction
    from catalog.products import ProductData

    extra = [
        ("XW-1", "Red Wool Blanket", "blanket,winter,red", 1900_00, 3, "KND"),
        ("XW-2", "Red Wool Muffler", "muffler,winter,red,gift", 600_00, 0, "KND"),
        ("XW-3", "Red Winter Shawl", "shawl,wool,gift", 2100_00, 4, "NHN"),
        ("XW-4", "Wool Blanket", "blanket,red", 1900_00, 3, "KND"),
        ("XW-5", "Blue Wool Blanket", "blanket,winter", 1700_00, 0, "AGR"),
        ("XW-6", "Kullu Cap", "cap,kullu,gift", 300_00, 9, "KND"),
        ("XW-7", "Leather Belt (brown)", "belt,leather,gift", 450_00, 0, "AGR"),
        ("XW-8", "Wooden Shawl Box", "box,shawl,wood,gift", 800_00, 2, "VNS"),
    ]
    with transaction(seeded) as s:
        for sku, name, kw, price, count, jail in extra:
            data = ProductData(sku, name, "handloom", jail, price, "INR", count, keywords=kw)
            products.upsert(s, data, products.jail_by_code(s, jail), actor="test")
        products.set_active(s, "XW-4", False, actor="test")
        stock.adjust_sku(s, "XW-1", -3, reason="sold", actor="test")  # now out of stock
        products.set_price(s, "KS-101", 2000_00, actor="test")
    return seeded


@pytest.mark.parametrize("filters", FILTERS)
def test_pages_match_the_exhaustive_ranking(catalog, filters):
    with catalog() as s:
        for text in QUERIES:
            for offset in (0, 5):
                page = search(s, text, filters, offset=offset)
                want = exhaustive(s, text, filters, 5, offset)
                got = [p.sku for p in page.products]
                assert got == want[:5], (text, filters, offset)
                assert page.has_more == (len(want) > 5), (text, filters, offset)


@pytest.mark.parametrize("filters", FILTERS)
def test_rarest_word_first_matches_the_exhaustive_ranking(catalog, monkeypatch, filters):
    """Scoring the rarest word's products, then those missing one word, then each word's
    best: exact whenever a page matches all words but one, and always for two words."""
    from catalog import search as search_module

    monkeypatch.setattr(search_module, "EVERY_ROW_CAP", 0)
    with catalog() as s:
        for text in QUERIES:
            for offset in (0, 5):
                want = exhaustive(s, text, filters, 5, offset)
                page = search(s, text, filters, offset=offset)
                assert [p.sku for p in page.products] == want[:5], (text, filters, offset)


def test_big_catalog_paths_match_the_exhaustive_ranking(catalog, monkeypatch):
    """With a tiny cap every word counts as common and every jail as big: one word is read
    from the rank index, jails are checked row by row; the pages stay exact."""
    from catalog import search as search_module

    monkeypatch.setattr(search_module, "CANDIDATE_CAP", 2)
    monkeypatch.setattr(search_module, "EVERY_ROW_CAP", 0)
    with catalog() as s:
        for text in ["shawl", "wool", "gift", "blanket"]:
            for filters in FILTERS:
                got = [p.sku for p in search(s, text, filters).products]
                assert got == exhaustive(s, text, filters, 5, 0)[:5], (text, filters)
        # Several common words: products matching more of them still come first.
        page = search(s, "red wool blanket winter")
        assert page.products and page.products[0].sku == "XW-1"


def test_ship_to_keeps_exactly_what_can_reach(catalog):
    """The search's country filter, resolved jail by jail into one condition, against
    ``shipping.can_reach`` product by product: with a jail whose own zones leave out the
    rest of the world, one that ships only at home, and a perishable product outside the
    food categories."""
    from collections import Counter

    from sqlalchemy import select

    from catalog import products, shipping
    from catalog.db import transaction
    from catalog.models import Product
    from catalog.products import ProductData

    with transaction(catalog) as s:
        shipping.remove_zone(s, products.jail_by_code(s, "KND"), "world", actor="test")
        home_only = products.jail_by_code(s, "AGR")
        for zone in ("south_asia", "gulf", "world"):
            shipping.remove_zone(s, home_only, zone, actor="test")
        fresh = ProductData("XF-1", "Fresh Gift Hamper", "handloom", "VNS", 500_00, "INR", 5,
                            keywords="gift", perishable=True)  # fmt: skip
        products.upsert(s, fresh, products.jail_by_code(s, "VNS"), actor="test")
    with catalog() as s:
        on_sale = s.scalars(select(Product).where(Product.active.is_(True),
                                                  Product.parent_id.is_(None))).all()  # fmt: skip
        seen = set()
        for country in ("IN", "PK", "GB", "NP", "AE", "US"):
            can = [p for p in on_sale if shipping.can_reach(p, country).ok]
            found = search(s, "", SearchFilters(ship_to=country), limit=1000).products
            assert sorted(p.sku for p in found) == sorted(p.sku for p in can), country
            assert dict(categories(s, country)) == Counter(p.category for p in can), country
            gifts = search(s, "gift", SearchFilters(ship_to=country), limit=1000).products
            assert {p.sku for p in gifts} <= {p.sku for p in can}, country
            seen.add(len(can))
        assert len(seen) > 3  # the countries differ: the filter is not trivially all or none


def test_index_rows_follow_stock_price_and_visibility(catalog):
    """The copies of stock, price and visibility in ``product_terms`` change with the
    product, whoever changes it (a trigger on ``products``)."""
    from sqlalchemy import select

    from catalog import orders, products, stock
    from catalog.db import transaction
    from catalog.models import Product, ProductTerm

    def copies(s, sku):  # type: ignore[no-untyped-def]
        p = s.scalar(select(Product).where(Product.sku == sku))
        rows = s.execute(
            select(ProductTerm.in_stock, ProductTerm.price_minor, ProductTerm.active).where(
                ProductTerm.product_id == p.id
            )
        ).all()
        assert rows
        return {(bool(a), b, bool(c)) for a, b, c in rows}, (p.stock > 0, p.price_minor, p.active)

    with catalog() as s:
        for sku in ("XW-1", "XW-4", "KS-101", "KS-102"):
            got, want = copies(s, sku)
            assert got == {want}, sku
    with transaction(catalog) as s:
        stock.set_stock(s, "KS-102", 0, reason="count", actor="test")
        products.set_active(s, "KS-101", False, actor="test")
        products.set_price(s, "KS-103", 1234_00, actor="test")
        stock.adjust_sku(s, "XW-1", 2, reason="found", actor="test")
    with catalog() as s:
        for sku in ("KS-101", "KS-102", "KS-103", "XW-1"):
            got, want = copies(s, sku)
            assert got == {want}, sku
        assert copies(s, "KS-102")[1][0] is False and copies(s, "XW-1")[1][0] is True
    # An order that takes the last units: the product drops out of the in-stock ranking.
    delivery = orders.Delivery("Buyer", "+919800000000", "1 Mall Road, Shimla", "171001")
    orders.place_once(catalog, "buyer-1", [orders.CartLine("XW-1", 2)], delivery,
                      idempotency_key="last-units")
    with catalog() as s:
        got, want = copies(s, "XW-1")
        assert got == {want} and want[0] is False


def test_postgres_plans_each_search_for_its_words(catalog):
    """psycopg prepares a statement after five runs and PostgreSQL may then reuse a generic
    plan that cannot tell a rare word from a common one: search's statements are never
    prepared (so each is planned with its own words), and the connection's setting is put
    back afterwards. The ranking stays exact however often a query repeats."""
    from sqlalchemy import text

    with catalog() as s:
        postgres = s.get_bind().dialect.name == "postgresql"
        want = exhaustive(s, "red wool blanket for winter", None, 5, 0)[:5]
        driver = s.connection().connection.driver_connection
        threshold = getattr(driver, "prepare_threshold", None)
        prepared_sql = text("SELECT statement FROM pg_prepared_statements")
        before = set(s.execute(prepared_sql).scalars()) if postgres else set()
        for _ in range(12):  # past psycopg's prepare threshold and PostgreSQL's five custom plans
            page = search(s, "red wool blanket for winter")
            assert [p.sku for p in page.products] == want
            search(s, "", SearchFilters(jail="UP"))
        if postgres:
            assert threshold is not None and driver.prepare_threshold == threshold
            assert set(s.execute(prepared_sql).scalars()) == before
            assert s.execute(text("SHOW plan_cache_mode")).scalar() == "auto"
            # Other statements on the connection are still prepared as psycopg decides.
            for _ in range(threshold + 1):
                s.execute(text("SELECT count(*) FROM jails WHERE id > :n"), {"n": 0})
            assert any("FROM jails" in q for q in s.execute(prepared_sql).scalars())


def test_words_starting_many_terms(catalog):
    """A word is looked up with every indexed term it starts, up to 20 of them (one statement
    for all the words); a word starting more is matched by prefix. Both rank exactly."""
    from catalog import products
    from catalog.db import transaction
    from catalog.products import ProductData
    from catalog.search import _words

    with transaction(catalog) as s:
        jail = products.jail_by_code(s, "KND")
        for k in range(22):
            name = f"Zyx{k:02d} Lamp" if k < 20 else f"Zyxw{k:02d} Lamp"
            data = ProductData(f"ZY-{k}", name, "decor", "KND", (100 + k) * 100, "INR", k % 3)
            products.upsert(s, data, jail, actor="test")
    with catalog() as s:
        many, lamp, none = _words(s, ["zyx", "lamp", "qqqzzz"], True)
        assert many.terms is None and many.rows == 22
        assert lamp.terms == ["lamp"] and none.terms == [] and none.rows == 0
        twenty = _words(s, ["zyx0", "zyx1", "zyxw"], False)
        assert [len(w.terms or []) for w in twenty] == [10, 10, 2]
        assert twenty[2].terms == ["zyxw20", "zyxw21"] and twenty[2].rows == 0
        assert _words(s, ["zyx"], False, most=22)[0].terms == [
            *(f"zyx{k:02d}" for k in range(20)), "zyxw20", "zyxw21"
        ]
        for text in ["zyx", "zyx lamp", "zyx0 lamp", "zyxw", "lamp zyx1 zyxw"]:
            for filters in FILTERS:
                for offset in (0, 5):
                    got = [p.sku for p in search(s, text, filters, offset=offset).products]
                    assert got == exhaustive(s, text, filters, 5, offset)[:5], (text, filters)


@pytest.mark.parametrize("batch", [1, 2, 3])
def test_rarest_word_in_batches_matches_the_exhaustive_ranking(catalog, monkeypatch, batch):
    """On PostgreSQL the rarest word's products are scored a batch per term first, in rank
    order, and the rest only when a product below the batch could still make the page; the
    page fill comes in the same statement. With batches of one to three products the batch
    ends early for some queries and not for others; every page stays exact."""
    from catalog import search as search_module

    monkeypatch.setattr(search_module, "EVERY_ROW_CAP", 0)
    monkeypatch.setattr(search_module, "RARE_BATCH", batch)
    with catalog() as s:
        for text in [*QUERIES, "red wool", "wool blanket", "winter gift", "red winter shawl"]:
            for filters in FILTERS:
                for offset in (0, 5):
                    want = exhaustive(s, text, filters, 5, offset)
                    page = search(s, text, filters, offset=offset)
                    assert [p.sku for p in page.products] == want[:5], (text, filters, offset)
                    assert page.has_more == (len(want) > 5), (text, filters, offset)


def test_rarest_word_batch_ends_the_scoring_when_nothing_below_can_win(catalog, monkeypatch):
    """The batch is enough when its best all rank above what any product further down could
    reach (every other word matched at the highest level); otherwise every product with the
    word is scored. Either way the same products in the same order. PostgreSQL only (SQLite
    scores every product)."""
    from catalog import products
    from catalog import search as search_module
    from catalog.db import transaction
    from catalog.products import ProductData
    from catalog.search import _containing, _per_match, _resolve, _score, _score_rarest, _words

    with transaction(catalog) as s:
        jail = products.jail_by_code(s, "KND")
        # In rank order of "zqblank" (all in the name, all in stock): by price. "zqred" is
        # only ever a keyword (weight KEYWORD), so no product can have it at the name's level.
        for sku, name, price, kw in [("ZB-1", "Zqblank Mat", 100, ""),
                                     ("ZB-2", "Zqblank Throw", 200, "zqred"),
                                     ("ZB-3", "Zqblank Rug", 300, "")]:  # fmt: skip
            data = ProductData(sku, name, "decor", "KND", price * 100, "INR", 5, keywords=kw)
            products.upsert(s, data, jail, actor="test")
    with catalog() as s:
        if s.get_bind().dialect.name != "postgresql":
            pytest.skip("the batch is PostgreSQL's")
        flt = _resolve(s, SearchFilters())
        words = sorted(_words(s, ["zqblank", "zqred"], True), key=lambda w: w.rows)
        assert [w.text for w in words] == ["zqred", "zqblank"]
        words.reverse()  # the batch's word first, as if it were the rarer

        def early(batch: int, n: int) -> bool:
            monkeypatch.setattr(search_module, "RARE_BATCH", batch)
            got, _fill, ended = _score_rarest(s, words, flt, n)
            assert got == _score(s, _containing(words[0], flt, _per_match(words)), words, n, True)
            return ended

        # ZB-1 alone: it lacks "zqred", and ZB-2 below it might have it (it does).
        assert not early(1, 1)
        # ZB-1 and ZB-2: ZB-2 has both words at the best level any product has them; ZB-3
        # could at most tie on words and score, and costs more. (With "zqred" bounded at the
        # name's level instead, ZB-3 might have outscored ZB-2.)
        assert early(2, 1)
        # Two wanted: ZB-1 (one word) is second, and ZB-3 might have had both.
        assert not early(2, 2)
        # Every product read: nothing below.
        assert early(3, 2)
