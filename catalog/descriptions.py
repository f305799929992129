"""The seed products' descriptions for Hindi (Devanagari) and Urdu readers, from
seed_data/descriptions.csv (no schema change, as catalog/jail_names.py): shown while the stored
English description is still the seed's; a description staff have changed since is shown as
stored. Hinglish readers read the English one (Latin script)."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

from catalog.models import Product

SEED = Path(__file__).parent / "seed_data"


@cache
def _seed() -> dict[str, tuple[str, dict[str, str]]]:
    """SKU -> (the seed's English description, {language: description})."""
    with open(SEED / "products.csv", encoding="utf-8") as fh:
        english = {row["sku"]: row["description"] for row in csv.DictReader(fh)}
    with open(SEED / "descriptions.csv", encoding="utf-8") as fh:
        return {
            row["sku"]: (
                english.get(row["sku"], ""),
                {"hi": row["description_hi"], "ur": row["description_ur"]},
            )
            for row in csv.DictReader(fh)
        }


def display_description(product: Product, language: str) -> str:
    """The product's description in the reader's language where the seed has one (a size or
    colour reads its parent's), else as stored."""
    stored = product.description or ""
    sku = product.sku.split("/", 1)[0]
    english, translated = _seed().get(sku, ("", {}))
    if stored and stored == english and translated.get(language):
        return translated[language]
    return stored
