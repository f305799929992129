"""Stock integrity (issue 10, item 9): bounded changes, /undo never across a later change of the
same stock, and undo scoped by the staff member's current jail. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import threading

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from bot.staff.commands import run
from bot.staff.parse import parse
from catalog import stock
from catalog.admin import MAX_STOCK
from catalog.db import transaction
from catalog.errors import InvalidInput
from catalog.refs import ref
from tests.fixtures_channels import wait_until
from tests.staff_support import ADMIN_TG, KND_TG, KND_WA, StaffEnv, buyer_order


def ledger_agrees(env: StaffEnv, sku: str) -> bool:
    with env.sessions() as s:
        product = env.product(sku)
        return stock.ledger_sum(s, product.id) == product.stock


@pytest.mark.parametrize("change", ["+99999999999", "+99999999999999999999999", "+99989"])
async def test_restock_beyond_the_maximum_names_the_allowed_range(staff_env: StaffEnv, change: str):
    before = staff_env.snapshot()
    reply = await staff_env.say(f"/restock KS-101 {change}")
    assert reply == f"KS-101 stock can change by -12 to +{MAX_STOCK - 12}; nothing changed."
    assert staff_env.snapshot() == before


async def test_restock_up_to_the_maximum_is_taken(staff_env: StaffEnv):
    # so far past the count now that it asks first (as /stock does), then is taken
    asked = await staff_env.say(f"/restock KS-101 +{MAX_STOCK - 12}")
    assert asked.endswith(f"nothing changed. If that is right, send /restock KS-101 +{MAX_STOCK - 12} yes")
    assert await staff_env.say(f"/restock KS-101 +{MAX_STOCK - 12} yes") == (
        f"KS-101 stock +{MAX_STOCK - 12} → {MAX_STOCK} (restock)."
    )
    assert ledger_agrees(staff_env, "KS-101")


async def test_catalog_refuses_a_restock_past_the_maximum(staff_env: StaffEnv):
    with (
        pytest.raises(InvalidInput, match="can change by -12 to"),
        transaction(staff_env.sessions) as s,
    ):
        stock.adjust_sku(s, "KS-101", 10**12, reason="x", actor="t")
    with pytest.raises(InvalidInput, match="not plausible"), transaction(staff_env.sessions) as s:
        stock.set_stock(s, "KS-101", 10**12, reason="x", actor="t")
    assert staff_env.product("KS-101").stock == 12


async def test_undo_of_a_count_refused_after_an_admins_recount(staff_env: StaffEnv):
    await staff_env.say("/stock KS-101 50")
    await staff_env.say("/stock KS-101 60", ADMIN_TG)
    before = staff_env.snapshot()
    reply = await staff_env.say("/undo")
    assert reply == (
        "Can't undo: KS-101 stock was changed again since your change (now 60); "
        "count it and set it with /stock."
    )
    assert staff_env.product("KS-101").stock == 60
    assert staff_env.snapshot() == before


async def test_undo_of_a_count_refused_after_a_recount_to_the_same_number(staff_env: StaffEnv):
    await staff_env.say("/stock KS-101 50")
    await staff_env.say("/stock KS-101 50", KND_WA)  # a second count agrees: no ledger row
    reply = await staff_env.say("/undo")
    assert reply.startswith("Can't undo: KS-101 stock was changed again since your change")
    assert staff_env.product("KS-101").stock == 50


async def test_undo_of_a_count_refused_after_a_buyer_order(staff_env: StaffEnv):
    await staff_env.say("/stock KS-101 50")
    buyer_order(staff_env.sessions, "KS-101", 2)
    reply = await staff_env.say("/undo")
    assert reply.startswith("Can't undo: KS-101 stock was changed again since your change (now 48)")
    assert staff_env.product("KS-101").stock == 48 and ledger_agrees(staff_env, "KS-101")


async def test_undo_of_a_restock_refused_after_a_later_count(staff_env: StaffEnv):
    await staff_env.say("/restock KS-101 +3")
    await staff_env.say("/stock KS-101 15", ADMIN_TG)  # the admin's count confirms 15
    reply = await staff_env.say("/undo")
    assert reply.startswith("Can't undo: KS-101 stock was changed again since your change (now 15)")
    assert staff_env.product("KS-101").stock == 15


async def test_undo_of_a_restock_refused_after_anothers_restock(staff_env: StaffEnv):
    await staff_env.say("/restock KS-101 +3")
    await staff_env.say("/restock KS-101 -1 damaged", KND_WA)
    reply = await staff_env.say("/undo")
    assert reply.startswith("Can't undo: KS-101 stock was changed again since your change (now 14)")
    assert staff_env.product("KS-101").stock == 14


async def test_undo_of_a_restock_still_reverses_across_an_order(staff_env: StaffEnv):
    await staff_env.say("/restock KS-101 +3")  # 12 -> 15
    buyer_order(staff_env.sessions, "KS-101", 1)  # 14: a change the restock does not contradict
    assert await staff_env.say("/undo") == "Undone: KS-101 stock down by 3, now 11."
    assert ledger_agrees(staff_env, "KS-101")


async def test_undo_of_a_count_right_away_still_works(staff_env: StaffEnv):
    await staff_env.say("/stock KS-101 50")
    assert await staff_env.say("/undo") == "Undone: KS-101 stock down by 38, back to 12."


async def test_staff_moved_to_another_jail_cannot_undo_the_old_jails_change(staff_env: StaffEnv):
    await staff_env.say("/restock KS-101 +3")
    oid = buyer_order(staff_env.sessions, "KS-101")
    await staff_env.say(f"/paid {oid}")
    await staff_env.say(f"/staff add telegram {KND_TG} NHN", ADMIN_TG)  # moved to Nahan
    before = staff_env.snapshot()
    reply = await staff_env.say("/undo")
    assert reply == f"Can't undo: order {ref(oid)} belongs to another jail than yours now."
    assert staff_env.snapshot() == before
    await staff_env.say(f"/staff add telegram {KND_TG} KND", ADMIN_TG)  # back to Kanda
    assert await staff_env.say("/undo") == f"Undone: order {ref(oid)} back to placed."
    await staff_env.say(f"/staff add telegram {KND_TG} NHN", ADMIN_TG)
    reply = await staff_env.say("/undo")
    assert reply == "Can't undo: KS-101 belongs to another jail than yours now."
    assert staff_env.product("KS-101").stock == 14


async def test_staff_made_admin_can_undo_any_jails_change(staff_env: StaffEnv):
    await staff_env.say("/restock KS-101 +3")
    await staff_env.say(f"/staff add telegram {KND_TG} admin", ADMIN_TG)
    assert await staff_env.say("/undo") == "Undone: KS-101 stock down by 3, back to 12."


def _undo_in_thread(sessions: sessionmaker[Session], out: list[str | None]) -> threading.Thread:
    cmd = parse("telegram", "/undo")
    assert cmd is not None
    worker = threading.Thread(target=lambda: out.append(run(sessions, "telegram", KND_TG, cmd)))
    worker.start()
    return worker


def _waiting_on_a_lock(sessions: sessionmaker[Session]) -> bool:
    with sessions() as s:
        waiting = s.scalar(
            text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
        )
        return bool(waiting)


async def test_undo_waits_for_a_recount_in_progress_and_then_refuses(staff_env: StaffEnv):
    """The recount holds the product row; the undo must see it once it commits, not before."""
    await staff_env.say("/stock KS-101 50")
    sessions = staff_env.sessions
    out: list[str | None] = []
    with transaction(sessions) as s:
        stock.set_stock(s, "KS-101", 60, reason="count", actor="staff:admin")
        worker = _undo_in_thread(sessions, out)
        if sessions.kw["bind"].dialect.name == "postgresql":
            await wait_until(lambda: _waiting_on_a_lock(sessions), "the undo to wait on the row")
    await asyncio.to_thread(worker.join, 30)
    assert out and (out[0] or "").startswith("Can't undo: KS-101 stock was changed again since")
    assert staff_env.product("KS-101").stock == 60 and ledger_agrees(staff_env, "KS-101")
