"""Staff of one jail never act on another jail's product or order (tester finding, session 8):
every command that takes a SKU names the SKU and says it is another jail's, and nothing changes;
order listings, /lowstock and /report show only the member's jail."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from catalog.db import transaction
from catalog.models import Staff
from catalog.refs import ref
from tests.staff_support import KND_TG, KND_WA, NHN_TG, PNG, StaffEnv, buyer_order

# KS-103 is Nahan's (NHN); AL-101 and its sizes are Agra's; KS-101 is Kanda's (KND).
SKU_COMMANDS = [
    "/stock {sku} 0",
    "/restock {sku} -1",
    "/restock {sku} +4",
    "/price {sku} 100",
    "/keemat {sku} 100",
    "/sold {sku} 1",
    "/hide {sku}",
    "/show {sku}",
    "/photo {sku}",
]


@pytest.mark.parametrize("sku", ["KS-103", "ks-103", "AL-101", "AL-101/9"])
@pytest.mark.parametrize("template", SKU_COMMANDS)
async def test_sku_command_refuses_another_jails_product(
    staff_env: StaffEnv, template: str, sku: str
):
    staff_env.media.files["https://x/p.png"] = PNG
    upper = sku.upper()
    before = staff_env.snapshot()
    price, active = staff_env.product(upper).price_minor, staff_env.product(upper).active
    reply = await staff_env.say(template.format(sku=sku), KND_TG, media_url="https://x/p.png")
    assert reply is not None
    assert reply.startswith(f"{upper} belongs to another jail; nothing changed."), reply
    assert staff_env.snapshot() == before
    assert staff_env.product(upper).price_minor == price
    assert staff_env.product(upper).active is active
    assert staff_env.product(upper).photo is None or "x/p" not in staff_env.product(upper).photo


async def test_price_of_own_product_still_works(staff_env: StaffEnv):
    assert await staff_env.say("/price KS-101 2500", KND_WA) == "KS-101 price ₹2,400 → ₹2,500."


async def test_unknown_sku_is_still_not_found(staff_env: StaffEnv):
    reply = await staff_env.say("/price KS-999 100", KND_TG)
    assert reply is not None and reply.startswith("No product KS-999 in your jail.")


async def test_staff_without_a_jail_touch_nothing(staff_env: StaffEnv):
    """A staff row whose jail was lost (edited in the database, an old import) is not an admin:
    it is refused everything instead of reaching every jail."""
    with transaction(staff_env.sessions) as s:
        member = s.scalars(select(Staff).where(Staff.channel_user_id == NHN_TG)).one()
        member.jail_id = None
    before = staff_env.snapshot()
    for text in ("/price KS-101 1", "/stock KS-103 0", "/orders", "/report", "/lowstock"):
        reply = await staff_env.say(text, NHN_TG)
        assert reply == "You have no jail on record; ask an admin to register you again.", text
    assert staff_env.snapshot() == before
    assert staff_env.product("KS-101").price_minor == 240000


async def test_listings_show_only_own_jail(staff_env: StaffEnv):
    own = buyer_order(staff_env.sessions, "KS-101")
    other = buyer_order(staff_env.sessions, "KS-103", sid="tg-b2")
    listed = await staff_env.say("/orders", KND_TG)
    assert ref(own) in listed and ref(other) not in listed
    listed = await staff_env.say("/orders", NHN_TG)
    assert ref(other) in listed and ref(own) not in listed
    refused = await staff_env.say(f"/order {ref(other)}", KND_TG)
    assert refused == f"Order {ref(other)} belongs to another jail; nothing changed."
    report = await staff_env.say("/report today", KND_TG)
    assert "KS-101" in report and "KS-103" not in report
    low = await staff_env.say("/lowstock all", KND_TG)
    assert "KS-103" not in low and "AL-101" not in low
