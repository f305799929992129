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
