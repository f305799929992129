"""A product added by name when the NLU took only part of the name ("kullu" of "2 kullu wool
shawl cart me daal do"): the whole message decides among the products the part found, so the
woollen shawl goes in the cart, not the first Kullu shawl the search lists (the Nahan weave)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from actions import db
from actions.cart import ActionAddToCart
from tests.rasa_support import run, tracker


@pytest.fixture
def shop(seeded: sessionmaker[Session]) -> Iterator[sessionmaker[Session]]:
    db.use(seeded)
    yield seeded
    db.use(None)


@pytest.mark.parametrize(
    ("text", "entity", "cart"),
    [
        ("2 kullu wool shawl cart me daal do", "kullu", ["KS-101:2"]),
        ("add one kullu pashmina shawl", "shawl", ["KS-102:1"]),
        ("add 1 kullu shawl", "kullu", ["KS-103:1"]),  # nothing more said: the search's first
    ],
)
async def test_the_whole_message_picks_among_what_the_entity_found(
    shop, text: str, entity: str, cart: list[str]
) -> None:
    quantity = "2" if text.startswith("2") else "1"
    trk = tracker(text, intent="add_to_cart", entities={"product": entity, "quantity": quantity})
    events, msgs = await run(ActionAddToCart(), trk)
    assert next(e["value"] for e in events if e.get("name") == "cart") == cart, msgs
