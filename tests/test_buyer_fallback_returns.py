"""A returns question the NLU is not sure of ("return karna hai" under the fallback threshold)
still gets the returns policy, not "Sorry, I did not understand"."""

from __future__ import annotations

import pytest

from actions.info import ActionFallback
from tests.buyer_support import shop  # noqa: F401
from tests.rasa_support import run, tracker


@pytest.mark.parametrize("said", ["return karna hai", "can I return it", "वापस करना है"])
async def test_a_returns_question_not_understood_gets_the_policy(shop, said: str) -> None:  # noqa: F811
    _, msgs = await run(ActionFallback(), tracker(said, intent="nlu_fallback"))
    assert [m.get("response") for m in msgs] == ["utter_returns_policy"], msgs


async def test_cancel_and_refund_not_understood_is_not_the_returns_policy(shop) -> None:  # noqa: F811
    _, msgs = await run(ActionFallback(), tracker("cancel and refund", intent="nlu_fallback"))
    assert [m.get("response") for m in msgs] != ["utter_returns_policy"], msgs


@pytest.mark.parametrize("said", ["from kullu", "kullu"])
async def test_a_jail_town_not_understood_shows_its_goods(shop, said: str) -> None:  # noqa: F811
    """"from kullu" alone asks for goods from there (it is not where the buyer is): the NLU, not
    sure of it, still tags the town as the jail; the answer is that jail's goods, not the menu."""
    _, msgs = await run(ActionFallback(), tracker(said, intent="nlu_fallback", entities={"jail": "Kullu"}))
    titles = [b["title"] for m in msgs for b in m.get("buttons") or []]
    assert any(t.startswith("Kullu Shawl") for t in titles), msgs


async def test_a_jail_town_inside_the_checkout_form_is_not_a_search(shop) -> None:  # noqa: F811
    trk = tracker("kullu", intent="nlu_fallback", entities={"jail": "Kullu"}, active_loop="checkout_form")
    _, msgs = await run(ActionFallback(), trk)
    titles = [b["title"] for m in msgs for b in m.get("buttons") or []]
    assert not any("Shawl" in t for t in titles), msgs
