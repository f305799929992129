"""Actions that only read (search, product details, catalog lists, order status) read with
``catalog.db.reading``: on SQLite they neither take the write lock nor wait for it, so they run
while a checkout holds it, and beside each other."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from actions import db
from actions.cart import ActionProductDetails
from actions.orders import ActionOrderStatus
from actions.search import ActionSearchProducts
from catalog.db import transaction
from catalog.models import Product
from tests.rasa_support import run, tracker


@pytest.fixture
def shop(seeded: sessionmaker[Session]) -> Iterator[sessionmaker[Session]]:
    db.use(seeded)
    yield seeded
    db.use(None)


class Writer(threading.Thread):
    release: threading.Event


@pytest.fixture
def writer(shop: sessionmaker[Session]) -> Iterator[Writer]:
    """A write transaction held open in another thread (on SQLite: the write lock, taken with
    ``BEGIN IMMEDIATE``), with a change not yet committed, until ``release`` (or the test's end)."""
    held, release = threading.Event(), threading.Event()

    def write() -> None:
        with transaction(shop) as session:
            session.execute(update(Product).where(Product.sku == "KS-101").values(stock=0))
            held.set()
            release.wait(60)
        # the change is committed here, after the test's reads

    thread = Writer(target=write, daemon=True)
    thread.release = release
    thread.start()
    assert held.wait(30), "the writer did not start"
    yield thread
    release.set()
    thread.join(30)


def in_thread(work: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    out: dict[str, Any] = {}

    def target() -> None:
        try:
            out["result"] = work()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            out["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, out


def action(act: Any, *args: Any, **kwargs: Any) -> Callable[[], Any]:
    return lambda: asyncio.run(run(act, tracker(*args, **kwargs)))


def test_reads_go_on_while_a_writer_holds_the_lock(writer: Writer) -> None:
    reads = [
        in_thread(action(ActionSearchProducts(), "kullu shawl", intent="search_product",
                         entities={"product": "kullu shawl"})),
        in_thread(action(ActionProductDetails(), '/product_details{"product":"KS-101"}',
                         intent="product_details", entities={"product": "KS-101"})),
        in_thread(action(ActionOrderStatus(), "where is my order", intent="order_status")),
    ]  # fmt: skip
    for thread, out in reads:
        thread.join(15)
        assert not thread.is_alive(), "a read waited for the writer"
        assert "error" not in out, out.get("error")
    assert writer.is_alive()  # all of them while the write transaction was open
    _, found = reads[0][1]["result"]
    titles = [b["title"] for b in found[0]["buttons"]]
    assert any(title.startswith("Kullu Shawl (Wool)") for title in titles), titles
    _, details = reads[1][1]["result"]
    assert details[0]["text"].startswith("Kullu Shawl (Wool, KS-101)")


def test_a_plain_session_on_sqlite_waits_for_the_writer(
    shop: sessionmaker[Session], writer: Writer
) -> None:
    """What the actions did before: a plain session's first query begins with BEGIN IMMEDIATE
    on SQLite, so a read queues behind the writer (PostgreSQL never makes a read wait)."""
    if shop.kw["bind"].dialect.name != "sqlite":
        pytest.skip("SQLite's write lock")

    def plain() -> int:
        with shop() as session:
            return len(session.scalars(select(Product.id).limit(3)).all())

    thread, out = in_thread(plain)
    thread.join(1.5)
    assert thread.is_alive(), "a plain session did not wait: the comparison shows nothing"
    writer.release.set()
    thread.join(15)
    assert out.get("result") == 3  # once the writer committed
