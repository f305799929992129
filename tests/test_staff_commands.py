"""Each staff command through ``handle``, on Telegram (with /) and WhatsApp (with and without)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from catalog import stock
from catalog.models import AuditEntry, Order, OrderStatus, StockMove
from tests.staff_support import ADMIN_TG, KND_TG, KND_WA, StaffEnv

# (channel user, prefix): Telegram needs the slash; WhatsApp takes it or not.
SENDERS = [(KND_TG, "/"), (KND_WA, "/"), (KND_WA, "")]
ids = ["telegram", "whatsapp-slash", "whatsapp-bare"]


@pytest.mark.parametrize(("user", "p"), SENDERS, ids=ids)
async def test_stock_sets_count_with_ledger_and_audit(staff_env: StaffEnv, user: str, p: str):
    reply = await staff_env.say(f"{p}stock KS-101 25", user)
    assert reply == "KS-101 stock 12 → 25."
    assert staff_env.product("KS-101").stock == 25
    with staff_env.sessions() as s:
        move = s.scalars(select(StockMove).order_by(StockMove.id.desc())).first()
        entry = s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert (move.delta, move.stock_after, move.reason) == (13, 25, "count")
        assert move.actor.startswith("staff:")
        assert entry.before == {"stock": 12} and entry.after == {"stock": 25}
        assert entry.channel == ("telegram" if user == KND_TG else "whatsapp")
        assert stock.ledger_sum(s, move.product_id) == 25


@pytest.mark.parametrize(("user", "p"), SENDERS, ids=ids)
async def test_restock_adjusts_with_reason(staff_env: StaffEnv, user: str, p: str):
    assert await staff_env.say(f"{p}restock KS-101 +5 found in store", user) == (
        "KS-101 stock +5 → 17 (found in store)."
    )
    assert await staff_env.say(f"{p}restock ks-101 -2 damaged", user) == (
        "KS-101 stock -2 → 15 (damaged)."
    )
    with staff_env.sessions() as s:
        reasons = [m.reason for m in s.scalars(select(StockMove).order_by(StockMove.id))][-2:]
    assert reasons == ["found in store", "damaged"]


@pytest.mark.parametrize(("user", "p"), SENDERS, ids=ids)
async def test_price(staff_env: StaffEnv, user: str, p: str):
    assert await staff_env.say(f"{p}price KS-101 2600", user) == "KS-101 price ₹2,400 → ₹2,600."
    assert staff_env.product("KS-101").price_minor == 260000
    assert await staff_env.say(f"{p}price KS-101 ₹2,650.50", user) == (
        "KS-101 price ₹2,600 → ₹2,650.50."
    )


@pytest.mark.parametrize(("user", "p"), SENDERS, ids=ids)
async def test_sold_records_offline_sale(staff_env: StaffEnv, user: str, p: str):
    assert await staff_env.say(f"{p}sold KS-101 3", user) == "Sold 3 x KS-101 (₹7,200); stock now 9."
    with staff_env.sessions() as s:
        order = s.scalars(select(Order)).one()
        assert (order.status, order.payment_method, order.total_minor) == (
            OrderStatus.DELIVERED,
            "offline",
            720000,
        )


@pytest.mark.parametrize(("user", "p"), SENDERS, ids=ids)
async def test_hide_and_show(staff_env: StaffEnv, user: str, p: str):
    assert await staff_env.say(f"{p}hide KS-101", user) == "KS-101 is hidden from buyers."
    assert staff_env.product("KS-101").active is False
    assert await staff_env.say(f"{p}show KS-101", user) == "KS-101 is on sale again."
    assert staff_env.product("KS-101").active is True


async def test_hindi_aliases(staff_env: StaffEnv):
    assert await staff_env.say("/स्टॉक KS-101 20") == "KS-101 stock 12 → 20."
    assert await staff_env.say("bika KS-101 2", KND_WA) == "Sold 2 x KS-101 (₹4,800); stock now 18."
    assert await staff_env.say("कीमत KS-101 २५००", KND_WA) == "KS-101 price ₹2,400 → ₹2,500."
    assert (await staff_env.say("/madad")).startswith("Staff commands (KND)")
    assert (await staff_env.say("मदद", KND_WA)).startswith("Staff commands (KND)")


async def test_telegram_bot_suffix_and_case(staff_env: StaffEnv):
    assert await staff_env.say("/Stock@KaarigarBot ks-101 7") == "KS-101 stock 12 → 7."


async def test_lowstock_lists_only_own_jail(staff_env: StaffEnv):
    await staff_env.say("/stock KS-102 1")
    reply = await staff_env.say("/lowstock")
    assert "KS-102 1 left (alert 2)" in reply
    assert "KS-103" not in reply  # Nahan's
    assert await staff_env.say("/lowstock", "2002") == "Nothing is at or below its low-stock alert."


async def test_report_for_jail_and_admin(staff_env: StaffEnv):
    await staff_env.say("/sold KS-101 2")
    await staff_env.say("/sold HB-101 1")
    reply = await staff_env.say("/report")
    lines = reply.splitlines()
    assert lines[0].startswith("Report KND, ")
    assert "units" in lines[0] and "wages" in lines[0]  # Kanda has a 33% wage share
    assert "KS-101 2 x ₹4,800" in lines
    admin = await staff_env.say("/report month", ADMIN_TG)
    assert admin.splitlines()[0].startswith("Report, all jails")
    assert admin.splitlines()[1].startswith("KND ")
    assert (await staff_env.say("/report today")).startswith("Report KND, today:")
    assert (await staff_env.say("/report 2020-01")) == "Report KND, 2020-01: no sales"


async def test_help_depends_on_role(staff_env: StaffEnv):
    staff = await staff_env.say("/help")
    admin = await staff_env.say("/help", ADMIN_TG)
    assert "/stock" in staff and "/undo" in staff and "/rate" not in staff
    assert "/rate" in admin and "/staff" in admin and "all jails" in admin


async def test_admin_registers_staff_and_sets_rate(staff_env: StaffEnv):
    reply = await staff_env.say("/staff add telegram 4444 NHN", ADMIN_TG)
    assert reply == "Registered staff telegram id ending 4444 (NHN)."
    assert await staff_env.say("/stock KS-103 9", "4444") == "KS-103 stock 8 → 9."
    assert await staff_env.say("/rate GBP 0.0095", ADMIN_TG) == "1 INR = 0.0095 GBP (was 0.0094)."
    with staff_env.sessions() as s:
        actions = [e.action for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert "staff" in actions and "rate" in actions


async def test_non_admin_may_not_use_admin_commands(staff_env: StaffEnv):
    before = staff_env.snapshot()
    assert await staff_env.say("/rate GBP 1") == "Only an admin may use /rate."
    assert await staff_env.say("/staff add telegram 4444 KND") == "Only an admin may use /staff."
    assert staff_env.snapshot() == before
