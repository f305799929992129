"""Staff replies read naturally (tester findings, session 8): an undone stock change says "down
by 3" / "up by 2" and "back to N", never "back by -3"; /lowstock says how to see the rest."""

from __future__ import annotations

from sqlalchemy import update

from catalog.db import transaction
from catalog.models import Jail, Product
from tests.staff_support import StaffEnv, buyer_order


async def test_undo_of_a_removal_says_up_and_back_to(staff_env: StaffEnv):
    assert await staff_env.say("/restock KS-101 -3 damaged") == "KS-101 stock -3 → 9 (damaged)."
    assert await staff_env.say("/undo") == "Undone: KS-101 stock up by 3, back to 12."


async def test_undo_of_a_restock_says_down_and_back_to(staff_env: StaffEnv):
    await staff_env.say("/restock KS-101 +3")
    reply = await staff_env.say("/undo")
    assert reply == "Undone: KS-101 stock down by 3, back to 12."
    assert "-" not in reply.removeprefix("Undone: KS-101")


async def test_undo_after_an_order_meanwhile_says_now(staff_env: StaffEnv):
    await staff_env.say("/restock KS-101 +3")  # 12 -> 15
    buyer_order(staff_env.sessions, "KS-101", 1)  # 14
    assert await staff_env.say("/undo") == "Undone: KS-101 stock down by 3, now 11."


def _all_low(env: StaffEnv) -> int:
    """Every Kanda product at its alert; returns how many are listed."""
    with transaction(env.sessions) as s:
        kanda = s.query(Jail).filter_by(code="KND").one()
        s.execute(
            update(Product).where(Product.jail_id == kanda.id).values(low_stock_threshold=1000)
        )
        return s.query(Product).filter_by(jail_id=kanda.id, active=True).count()


async def test_lowstock_says_how_to_see_the_rest(staff_env: StaffEnv):
    n = _all_low(staff_env)
    assert n > 10
    first = (await staff_env.say("/lowstock")).splitlines()
    assert len(first) == 11
    assert first[-1] == f"+{n - 10} more: /lowstock 2 (or /lowstock all)"
    second = (await staff_env.say("/lowstock 2")).splitlines()
    assert len(second) == n - 10 and not second[-1].startswith("+")
    assert not set(first) & set(second)
    every = (await staff_env.say("/lowstock all")).splitlines()
    assert every == first[:10] + second
    assert (await staff_env.say("kam sab")).splitlines() == every
    assert await staff_env.say("/lowstock 9") == (
        f"{n} at or below their alert: only 2 page(s); /lowstock all lists them."
    )
    bad = await staff_env.say("/lowstock soon")
    assert bad.startswith("Give a page number or all, not 'soon'. Usage: /lowstock [PAGE|all]")


async def test_lowstock_of_ten_or_fewer_has_no_footer(staff_env: StaffEnv):
    reply = await staff_env.say("/lowstock")
    assert "more" not in reply
