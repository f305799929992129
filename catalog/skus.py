"""Product SKUs: the one normal form and the look-up by SKU (below products and stock, which
both use them)."""

from __future__ import annotations

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
