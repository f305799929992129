"""Order references (issue 12): shown as KG-0042 so they cannot be mistaken for a menu number,
and accepted back in any case and spacing, from staff commands and from buyers."""

from __future__ import annotations

import pytest

from bot.staff.parse import parse
from catalog.refs import is_bare, parse_ref, ref
from tests.staff_support import KND_WA, StaffEnv, buyer_order

# --- ref / parse_ref ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("order_id", "shown"),
    [(1, "KG-0001"), (42, "KG-0042"), (1042, "KG-1042"), (9999, "KG-9999"), (10042, "KG-10042")],
)
def test_ref_is_prefixed_and_padded(order_id: int, shown: str):
    assert ref(order_id) == shown
    assert parse_ref(shown) == order_id  # every shown reference reads back as its order


def test_refs_never_look_like_menu_numbers():
    for order_id in range(1, 200):
        shown = ref(order_id)
        assert not shown.isdigit() and shown.startswith("KG-") and len(shown) >= 7


@pytest.mark.parametrize(
    "typed",
    ["KG-0042", "kg 42", "kg42", "KG-42", "#42", "42", "Kg - 0042", " kG42 ", "KG–42", "# 42",
     "KG#42", "0042", "kg\t42"],
)  # fmt: skip
def test_parse_ref_accepts_any_case_and_spacing(typed: str):
    assert parse_ref(typed) == 42


@pytest.mark.parametrize(
    "typed",
    ["", "   ", "KG", "KG-", "#", "abc", "KG-42a", "42x", "ORDER 42", "KX-42", "KG--42", "-42",
     "4.2", "KG-²", "٤٢", "0", "KG-0000", "1" * 13, "KG-" + "9" * 40, "4" * 33, "42 43", "k g 42", "KG 4 2"],
)  # fmt: skip
def test_parse_ref_rejects_junk_and_absurd_lengths(typed: str):
    assert parse_ref(typed) is None


def test_parse_ref_takes_ints_and_none():
    assert parse_ref(42) == 42 and parse_ref(0) is None and parse_ref(None) is None


def test_bare_is_only_digits():
    assert is_bare("2") and is_bare(" 12 ")
    assert not is_bare("KG-0002") and not is_bare("#2") and not is_bare("") and not is_bare(None)


def test_staff_parse_joins_a_reference_split_by_spaces():
    assert parse("telegram", "/ship KG 42 EE1IN").args == ("KG42", "EE1IN")  # type: ignore[union-attr]
    assert parse("telegram", "/cancel kg - 42 torn").args == ("kg-42", "torn")  # type: ignore[union-attr]
    assert parse("telegram", "/paid # 42").args == ("#42",)  # type: ignore[union-attr]
    # other commands keep their words as typed
    assert parse("telegram", "/stock KG 42").args == ("KG", "42")  # type: ignore[union-attr]


# --- staff type references ------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["kg-{padded}", "KG {id}", "{id}", "#{id}", "Kg{padded}"])
async def test_staff_ship_accepts_every_form(staff_env: StaffEnv, typed: str):
    oid = buyer_order(staff_env.sessions, "KS-101")
    text = typed.format(id=oid, padded=f"{oid:04d}")
    reply = await staff_env.say(f"/ship {text} EE1IN")
    assert reply == f"Order {ref(oid)} shipped (tracking EE1IN); the buyer will be told in about 10 minutes (until then, /undo takes it back)."


async def test_staff_paid_and_order_take_a_reference_on_whatsapp(staff_env: StaffEnv):
    oid = buyer_order(staff_env.sessions, "KS-101")
    assert await staff_env.say(f"paid kg {oid}", KND_WA) == f"Order {ref(oid)} marked paid."
    assert (await staff_env.say(f"/order {ref(oid).lower()}")).startswith(f"Order {ref(oid)} KND")


async def test_staff_unknown_reference_and_junk(staff_env: StaffEnv):
    assert await staff_env.say("/ship KG-0999") == "No order KG-0999."
    reply = await staff_env.say("/ship KG-12x")
    assert reply.startswith("An order number looks like KG-1042 or 1042, not 'KG-12x'.")
