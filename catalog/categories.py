"""The one table of product categories.

``ALL`` is what a product may be filed under (checked on every write: spreadsheets, the seed,
staff's /add); ``MENU`` is the short list the bot offers when it cannot read the catalog's own
categories (Rasa or the database down), in the order buyers see it. Staff's /add numbers the
categories in ``ALL``'s order, so new ones go at the end.
"""

from __future__ import annotations

ALL = (
    "handloom",
    "furniture",
    "bakery",
    "leather",
    "carpets",
    "pickles",
    "glassware",
    "sports",
    "electricals",
    "pottery",
    "embroidery",
    "clothing",
    "decor",
    "jute",
)
MENU = ("handloom", "clothing", "carpets", "furniture", "pottery", "pickles")
