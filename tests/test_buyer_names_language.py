"""Issue 12 (a new-user try-out of the buyer conversation): jail and category names in Hindi and Urdu."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from actions.cart import ActionProductDetails
from actions.search import ActionBrowseCatalog
from catalog import jail_names
from catalog.categories import ALL, NAMES
from catalog.models import Jail
from tests.rasa_support import run, tracker


def test_every_category_has_a_hindi_hinglish_and_urdu_name() -> None:
    for language in ("hi", "hi-Latn", "ur"):
        assert set(NAMES[language]) == set(ALL)
    assert all(name[:1].isupper() for name in NAMES["hi-Latn"].values())


@pytest.mark.parametrize(
    ("language", "shown", "raw"),
    [("hi-Latn", ["Handloom (", "Kapde (", "Achaar ("], "handloom ("), ("en", ["Handloom (", "Clothing (", "Pickles ("], "handloom (")],
)
async def test_category_buttons_read_as_names_for_hinglish_and_english_buyers(
    shop, language: str, shown: list[str], raw: str
) -> None:
    """Issue 12: a Hinglish buyer was shown "handloom (5)", "clothing (4)": the stored words."""
    _, msgs = await run(
        ActionBrowseCatalog(), tracker("", intent="browse_catalog", slots={"language": language})
    )
    titles = [b["title"] for b in msgs[0]["buttons"]]
    for start in shown:
        assert any(title.startswith(start) for title in titles), titles
    assert not any(title.startswith(raw) or title[:1].islower() for title in titles), titles
    payloads = [b["payload"] for b in msgs[0]["buttons"]]
    assert '/browse_catalog{"category":"pickles"}' in payloads, payloads  # the code the NLU reads


async def test_categories_and_jails_are_named_in_the_buyers_script(shop) -> None:
    _, msgs = await run(
        ActionBrowseCatalog(), tracker("", intent="browse_catalog", slots={"language": "hi"})
    )
    titles = [b["title"] for b in msgs[0]["buttons"]]
    assert any(title.startswith("हथकरघा (") for title in titles), titles
    assert all(b["payload"].isascii() for b in msgs[0]["buttons"])  # categories stay codes
    details = tracker('/product_details{"product":"KS-101"}', intent="product_details",
                      entities={"product": "KS-101"}, slots={"language": "ur"})  # fmt: skip
    _, msgs = await run(ActionProductDetails(), details)
    assert "ماڈل سینٹرل جیل کنڈا" in msgs[0]["text"] and "Model Central Jail" not in msgs[0]["text"]
    with shop() as s:
        jail = s.scalars(select(Jail).where(Jail.code == "PSW")).one()
        assert jail_names.display_name(jail, "hi") == "सेंट्रल जेल पेशावर"
        assert jail_names.display_name(jail, "hi-Latn") == "Central Jail Peshawar"
        jail.name = "Central Prison Peshawar"  # renamed by an admin: the new name everywhere
        assert jail_names.display_name(jail, "ur") == "Central Prison Peshawar"
