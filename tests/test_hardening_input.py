"""Costly or crashing inputs (issue 10, item 10): every one gets a clear reply, at a bounded
cost, on SQLite and PostgreSQL. Staff commands, buyer actions, the search, the message edge
and Rasa's replies."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from actions import db
from actions.orders import ActionCancelOrder, ActionOrderStatus
from actions.search import ActionSearchProducts
from bot.core.messages import Inbound
from bot.core.rasa_client import RasaClient, to_replies
from catalog import orders, search, stock
from catalog.db import transaction
from catalog.errors import InvalidInput, NotFound
from catalog.orders import Delivery
from catalog.refs import ref
from tests.fixtures_channels import FakeRasa
from tests.rasa_support import run, tracker
from tests.staff_support import StaffEnv, buyer_order

HUGE = "99999999999999999999"  # 20 digits: past int8, let alone int4

STAFF_CASES = [
    (f"/order {HUGE}", f"No order {HUGE}."),
    ("/order 99999999999", "No order 99999999999."),
    (f"/ship {HUGE}", f"No order {HUGE}."),
    ("/paid #3000000000", "No order 3000000000."),
    ("/order ²", "Unknown status '²'"),  # not a number: read as /orders with a status
    ("/ship ²", "An order number looks like KG-1042 or 1042, not '²'. Usage: /ship ORDER"),
    ("/report 0000-01", "A month is YYYY-MM, e.g. 2026-03. Usage: /report"),
    ("/report 9999-12", "A month is YYYY-MM, e.g. 2026-03. Usage: /report"),
    ("/price KS-101 1e309", "The price must be a number, not '1e309'. Usage: /price"),
    ("/price KS-101 inf", "The price must be a number, not 'inf'. Usage: /price"),
    ("/price KS-101 1e3", "The price must be a number, not '1e3'. Usage: /price"),
    ("/stock KS-101 " + "9" * 5000, "Stock above 100000 is not plausible. Usage: /stock"),
    ("/sold KS-101 " + "9" * 5000, "A quantity must be between 1 and 100. Usage: /sold"),
]


@pytest.mark.parametrize(("text", "expected"), STAFF_CASES, ids=[c[0][:24] for c in STAFF_CASES])
async def test_staff_numbers_past_every_bound_get_a_clear_reply(
    staff_env: StaffEnv, text: str, expected: str
):
    before = staff_env.snapshot()
    reply = await staff_env.say(text)
    assert reply is not None and reply.startswith(expected)
    assert staff_env.snapshot() == before


async def test_a_real_order_still_answers(staff_env: StaffEnv):
    oid = buyer_order(staff_env.sessions, "KS-101")
    assert (await staff_env.say(f"/order #{oid}")).startswith(f"Order {ref(oid)} KND, placed")


async def test_nul_and_control_bytes_are_cleaned_at_the_message_edge(staff_env: StaffEnv):
    inbound = Inbound("whatsapp", "+1", "m1", text="re\x00stock\x1b KS-101\t+1\r\nok\x7f")
    assert inbound.text == "restock KS-101\t+1\nok"
    assert Inbound("telegram", "1", "m2", button_payload="/x\x00{}").button_payload == "/x{}"
    reply = await staff_env.say("/restock KS-101 +1 dam\x00aged")
    assert reply == "KS-101 stock +1 → 13 (damaged)."


async def test_catalog_refuses_nul_in_stored_text(staff_env: StaffEnv):
    with pytest.raises(InvalidInput), transaction(staff_env.sessions) as s:
        stock.adjust_sku(s, "KS-101", 1, reason="a\x00b", actor="t")
    bad = Delivery("A\x00", "+919811111111", "1 Mall Road", "171001")
    with pytest.raises(InvalidInput, match="plain text"):
        orders.check_delivery(bad)
    assert staff_env.product("KS-101").stock == 12


async def test_catalog_order_ids_outside_the_database_integers_are_not_found(staff_env: StaffEnv):
    with staff_env.sessions() as s:
        for oid in (0, -1, 2**31, 10**20):
            with pytest.raises(NotFound):
                orders.get_order(s, oid)


# ------------------------------------------------------------------ buyer actions
@pytest.fixture
def shop(seeded: sessionmaker[Session]) -> Iterator[sessionmaker[Session]]:
    db.use(seeded)
    yield seeded
    db.use(None)


def _search(text: str, **entities: str) -> Any:
    return tracker(text, intent="search_product", entities=entities)


@pytest.mark.parametrize("value", ["1e309", "inf", "nan", HUGE, "1e20", "-5"])
async def test_search_with_an_impossible_max_price_still_answers(shop, value: str) -> None:
    events, msgs = await run(
        ActionSearchProducts(), _search(f"shawl under {value}", max_price=value)
    )
    assert msgs and msgs[0]["text"] == "Here is what I found:"
    assert any("KS-101" in b["payload"] for b in msgs[0]["buttons"])


@pytest.mark.parametrize("page", [HUGE, "99999999999", "²"])
async def test_search_of_a_page_that_cannot_exist_answers_no_results(shop, page: str) -> None:
    payload = f'/search_product{{"product":"shawl","page":"{page}"}}'
    events, msgs = await run(ActionSearchProducts(), _search(payload, product="shawl", page=page))
    assert msgs and msgs[0]["text"].startswith(("I found nothing", "Here is what I found"))


@pytest.mark.parametrize("words", [533, 3000])
async def test_search_with_hundreds_of_injected_words_answers(shop, words: int) -> None:
    many = " ".join(["kullu", "shawl"] + [f"w{i}x" for i in range(words)])
    payload = '/search_product{"product":"..."}'
    events, msgs = await run(ActionSearchProducts(), _search(payload, product=many))
    assert msgs and msgs[0]["text"] == "Here is what I found:"


def _statements(engine: Engine, work: Any) -> list[str]:
    seen: list[str] = []

    def record(conn, cursor, statement, params, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if not statement.startswith("BEGIN"):  # the session's first statement opens it
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        work()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


def test_search_cost_is_capped_extra_words_ignored(seeded: sessionmaker[Session]) -> None:
    """533 words run exactly the statements of their first MAX_QUERY_WORDS: bounded cost."""
    engine = seeded.kw["bind"]
    words = ["kullu", "shawl", "wool", "kanda", "handloom", "cap", "mark", "stole", "red"]
    words += [f"extra{i}" for i in range(533 - len(words))]
    short = " ".join(words[: search.MAX_QUERY_WORDS])
    with seeded() as s:
        found: dict[str, list[str]] = {}

        def one(text: str) -> None:
            found[text] = [p.sku for p in search.search(s, text).products]

        long_sql = _statements(engine, lambda: one(" ".join(words)))
        short_sql = _statements(engine, lambda: one(short))
    assert long_sql == short_sql
    assert found[" ".join(words)] == found[short] and found[short]
    assert len(search.query_terms("shawl " * 100_000)) == 1  # repeats count once, cut early


@pytest.mark.parametrize("value", [HUGE, "99999999999", "3000000000", "#0"])
async def test_order_status_of_an_id_that_cannot_exist(shop, value: str) -> None:
    buyer_order(shop, "KS-101", sid="buyer-1")
    trk = tracker(f"status of order {value}", intent="order_status", entities={"order_id": value})
    events, msgs = await run(ActionOrderStatus(), trk)
    assert msgs and msgs[0]["text"].startswith("I found no order")
    events, msgs = await run(ActionCancelOrder(), trk)
    assert msgs and msgs[0]["text"].startswith("I found no order")


async def test_order_status_without_digits_lists_the_buyers_orders(shop) -> None:
    oid = buyer_order(shop, "KS-101", sid="buyer-1")
    trk = tracker("status of order #²", intent="order_status", entities={"order_id": "#²"})
    events, msgs = await run(ActionOrderStatus(), trk)
    assert msgs and msgs[0]["text"].startswith(f"Order {ref(oid)}: placed")


# ------------------------------------------------------------------ Rasa's replies
ODD_REPLIES: list[Any] = [
    {"text": 5},
    {"text": {"nested": "x"}},
    {"text": ["a", "b"]},
    {"text": None, "image": 3},
    {"buttons": "not a list"},
    {"buttons": [{"title": 7, "payload": None}, "junk", {"title": {"x": 1}}]},
    {"custom": {"text": 9}},
    "a bare string",
    17,
    None,
    {"text": "fine", "image": "https://x/p.jpg"},
]


def test_to_replies_tolerates_any_json_shape() -> None:
    replies = to_replies(ODD_REPLIES)
    for reply in replies:
        assert isinstance(reply.text, str)
        assert reply.image is None or isinstance(reply.image, str)
        assert all(isinstance(b.title, str) and isinstance(b.payload, str) for b in reply.buttons)
    assert [r.text for r in replies] == ["5", "", "9", "a bare string", "17", "fine"]
    assert replies[1].buttons[0].title == "7" and replies[1].buttons[0].payload == "7"
    assert replies[-1].image == "https://x/p.jpg"
    for shape in ({}, "x", 3, None, [[]], {"text": "x"}):
        to_replies(shape)  # never raises: an unusable answer is simply no reply


async def test_rasa_client_turns_odd_items_into_text(fake_rasa: FakeRasa) -> None:
    async def odd(sender: str, message: str) -> list[Any]:
        return ODD_REPLIES

    fake_rasa.respond = odd  # type: ignore[assignment]
    async with httpx.AsyncClient() as http:
        replies = await RasaClient(http, fake_rasa.url).reply("s1", "hi")
    assert [r.text for r in replies if r.text][:1] == ["5"]
    assert all(isinstance(r.text, str) for r in replies)
