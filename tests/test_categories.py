"""One table of categories (catalog/categories.py): products, the fallback menu and staff's /add
all read it."""

from __future__ import annotations

from bot.core import rasa_client
from bot.staff import flows
from catalog import categories, products


def test_everyone_reads_the_one_table() -> None:
    assert products.CATEGORIES is categories.ALL
    assert rasa_client.DEFAULT_CATEGORIES is categories.MENU
    assert flows.PROMPTS["category"] == "Category? " + ", ".join(categories.ALL)


def test_the_fallback_menu_offers_only_categories_that_exist() -> None:
    assert set(categories.MENU) <= set(categories.ALL)
    assert len(set(categories.ALL)) == len(categories.ALL)
    titles = [b.title for b in rasa_client.fallback()[0].buttons]
    assert titles == [c.title() for c in categories.MENU]
