"""F25: two different shawls shared the Hindi name "कुल्लू शॉल" in the demo catalog, so a Hindi
buyer saw two products of one name (and typing it opened neither). Every product buyers see has
a name of its own in each language it is named in; sizes and colours carry their parent's."""

from __future__ import annotations

import csv
from collections import defaultdict

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from catalog.models import Product
from catalog.seed import DATA


@pytest.mark.parametrize("column", ["name", "name_hi", "name_ur"])
def test_seed_names_are_unique_per_language(column: str) -> None:
    with open(DATA / "products.csv", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if "/" not in r["sku"]]  # not a size or colour
    skus: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        if row[column].strip():
            skus[row[column].strip().casefold()].append(row["sku"])
    shared = {name: found for name, found in skus.items() if len(found) > 1}
    assert shared == {}
    assert len(skus) > 10  # the column was read


def test_the_seeded_shawls_have_their_own_hindi_names(seeded: sessionmaker[Session]) -> None:
    with seeded() as s:
        names = dict(
            s.execute(select(Product.sku, Product.name_hi).where(Product.sku.like("KS-10%"))).all()
        )
        seen = s.execute(
            select(Product.name_hi, Product.name_ur).where(Product.parent_id.is_(None))
        ).all()
    assert names == {
        "KS-101": "कुल्लू ऊनी शॉल",
        "KS-102": "कुल्लू पश्मीना शॉल",
        "KS-103": "नाहन की कुल्लू शॉल",
    }
    for i in (0, 1):  # what buyers see, from the database: no two products share a name
        given = [row[i] for row in seen if row[i]]
        assert len(given) == len(set(given))
