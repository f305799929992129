"""Product SKUs: the one normal form and the look-up by SKU (below products and stock, which
both use them)."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.errors import NotFound
from catalog.models import Product


def normalize_sku(sku: str) -> str:
    return sku.strip().upper()


def get(session: Session, sku: str) -> Product:
    product = session.scalar(select(Product).where(Product.sku == normalize_sku(sku)))
    if product is None:
        raise NotFound(f"no product {normalize_sku(sku)}")
    return product


# A product code as buyers type it: "PC-101", "pc-101", "PC 101", "pc101", then perhaps one
# of its sizes or colours: "PC-101/9", "pe-101/red".
TYPED = re.compile(
    r"(?<![\w/-])(?P<letters>[A-Za-z]{2,3})\s?-?\s?(?P<digits>\d{3})(?:\s*/\s*(?P<value>[A-Za-z0-9.-]{1,16}))?(?![\w-])"
)


def typed(session: Session, text: str) -> tuple[Product, str] | None:
    """The product whose code a buyer typed ("PE-101", "pc-101", "PC 101", "PC-101/9"), and
    the rest of their words (to read a size from: "PC-101 size 9"); None when the message
    names no code in the catalog, or more than one."""
    found = [m for m in TYPED.finditer(text or "")]
    if len(found) != 1:
        return None
    m = found[0]
    sku = f"{m['letters']}-{m['digits']}".upper()
    if m["value"]:
        child = session.scalar(
            select(Product).where(Product.sku == normalize_sku(f"{sku}/{m['value']}"))
        )
        if child is not None:
            return child, text[: m.start()] + text[m.end() :]
    product = session.scalar(select(Product).where(Product.sku == sku))
    if product is None:
        return None
    return product, text[: m.start()] + text[m.end() :]
