"""Issue 12 (a new-user try-out of the buyer conversation): jail and category names in Hindi and Urdu."""

from __future__ import annotations

from sqlalchemy import select

from actions.catalog import ActionBrowseCatalog, ActionProductDetails
from catalog import jail_names
from catalog.categories import ALL, NAMES
from catalog.models import Jail
from tests.rasa_support import run, tracker


def test_every_category_has_a_hindi_and_urdu_name() -> None:
    for language in ("hi", "ur"):
        assert set(NAMES[language]) == set(ALL)


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
