"""Errors the catalog raises; front ends turn them into polite replies.

CatalogError
├── NotFound            unknown SKU, order, jail or staff member
├── InvalidInput        a value that breaks a rule (negative stock, absurd price, bad CSV)
├── OutOfStock          fewer units left than asked for
├── InvalidTransition   an order cannot move to that status (shipping a cancelled order)
└── Forbidden           the actor may not touch that jail's products or orders
"""

from __future__ import annotations


class CatalogError(Exception):
    """Base of every error the catalog raises on purpose."""


class NotFound(CatalogError):
    pass


class InvalidInput(CatalogError):
    pass


class OutOfStock(CatalogError):
    def __init__(self, sku: str, available: int, wanted: int) -> None:
        super().__init__(f"{sku}: only {available} left, {wanted} wanted")
        self.sku = sku
        self.available = available
        self.wanted = wanted


class InvalidTransition(CatalogError):
    pass


class Forbidden(CatalogError):
    pass
