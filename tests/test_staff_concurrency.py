"""Staff /sold and /stock racing buyers' orders on PostgreSQL: never below zero, ledger agrees."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from catalog import stock
from catalog.errors import OutOfStock
from tests.staff_support import KND_TG, KND_WA, StaffEnv, buyer_order

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("engine", ["postgres"], indirect=True),
]


def _race(env: StaffEnv, buyers: int, staff_cmds: list[str]) -> tuple[int, list[str]]:
    """Run buyers' 1-unit orders and staff commands at once; (orders placed, staff replies)."""
    start = threading.Barrier(buyers + len(staff_cmds))

    def buyer(i: int) -> int:
        start.wait()
        try:
            buyer_order(env.sessions, "KS-102", 1, sid=f"tg-race-{i}")
            return 1
        except OutOfStock:
            return 0

    def staff(i: int, text: str) -> str:
        start.wait()
        user = KND_TG if i % 2 else KND_WA
        reply = asyncio.run(env.say(text, user))
        assert reply is not None
        return reply

    with ThreadPoolExecutor(max_workers=buyers + len(staff_cmds)) as pool:
        placed = [pool.submit(buyer, i) for i in range(buyers)]
        replies = [pool.submit(staff, i, t) for i, t in enumerate(staff_cmds)]
        return sum(f.result() for f in placed), [f.result() for f in replies]


async def test_sold_races_buyers_without_losing_units(staff_env: StaffEnv):
    assert await staff_env.say("/stock KS-102 20") == "KS-102 stock 5 → 20."
    placed, replies = await asyncio.to_thread(_race, staff_env, 24, ["/sold KS-102 2"] * 10)
    sold = sum(2 for r in replies if r.startswith("Sold 2 x KS-102"))
    refused = [r for r in replies if not r.startswith("Sold")]
    assert all(r.startswith("Only ") and r.endswith("nothing recorded.") for r in refused)
    product = staff_env.product("KS-102")
    with staff_env.sessions() as s:
        assert stock.ledger_sum(s, product.id) == product.stock
    assert product.stock >= 0
    assert product.stock == 20 - placed - sold
    assert product.stock == 0  # 24 one-unit buyers for 20 units: nothing can be left over


async def test_stock_and_restock_race_buyers_ledger_agrees(staff_env: StaffEnv):
    cmds = ["/stock KS-102 6", "/restock KS-102 +3", "/restock KS-102 -1", "/sold KS-102 1"] * 3
    await asyncio.to_thread(_race, staff_env, 20, cmds)
    product = staff_env.product("KS-102")
    with staff_env.sessions() as s:
        assert stock.ledger_sum(s, product.id) == product.stock >= 0
