"""/undo: the sender's last change within 10 minutes, reversed safely; the rest refused."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from bot.core.notifier import Delivery, OutboxWorker
from bot.core.state import MemoryStore
from catalog import customers, outbox, stock, undo
from catalog.db import transaction
from catalog.models import AuditEntry, Notification, Order, OrderStatus, utcnow
from catalog.refs import ref
from tests.staff_support import BUYER_TG, JPEG, KND_WA, NHN_TG, StaffEnv, buyer_order


def age_last_entry(env: StaffEnv, minutes: int) -> None:
    with env.sessions() as s, s.begin():
        last = s.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1))
        s.execute(
            update(AuditEntry)
            .where(AuditEntry.id == last)
            .values(at=utcnow() - timedelta(minutes=minutes))
        )


async def test_undo_stock_set_and_ledger_agrees(staff_env: StaffEnv):
    await staff_env.say("/stock KS-101 25")
    assert await staff_env.say("/undo") == "Undone: KS-101 stock down by 13, back to 12."
    assert staff_env.product("KS-101").stock == 12
    with staff_env.sessions() as s:
        p = staff_env.product("KS-101")
        assert stock.ledger_sum(s, p.id) == 12
        entries = list(s.scalars(select(AuditEntry).order_by(AuditEntry.id)))
        assert entries[-1].action == "undo" and entries[-2].undone is True


async def test_undo_never_takes_stock_below_zero(staff_env: StaffEnv):
    await staff_env.say("/restock KS-102 +3")  # 5 -> 8
    buyer_order(staff_env.sessions, "KS-102", 7)  # a buyer takes 7 meanwhile: 1 left
    before = staff_env.snapshot()
    assert await staff_env.say("/undo") == "Can't undo: KS-102 has only 1 left now; can't take back 3."
    assert staff_env.snapshot() == before


async def test_undo_price_hide_show_photo(staff_env: StaffEnv):
    await staff_env.say("/price KS-101 3000")
    assert await staff_env.say("/undo") == "Undone: KS-101 price back to ₹2,400."
    await staff_env.say("/hide KS-101")
    assert await staff_env.say("undo", KND_WA) == "Can't undo: there is nothing of yours to undo."
    assert await staff_env.say("/undo") == "Undone: KS-101 is on sale again."
    assert staff_env.product("KS-101").active is True
    staff_env.media.files["u"] = JPEG
    await staff_env.say("/photo KS-101", media_url="u")
    assert staff_env.product("KS-101").photo is not None
    assert await staff_env.say("/वापस") == "Undone: KS-101 photo removed."
    assert staff_env.product("KS-101").photo is None


async def test_undo_steps_back_and_is_per_sender(staff_env: StaffEnv):
    await staff_env.say("/price KS-101 3000")
    await staff_env.say("/price KS-103 3000", NHN_TG)
    await staff_env.say("/stock KS-101 20")
    assert (await staff_env.say("/undo")).startswith("Undone: KS-101 stock")
    assert (await staff_env.say("/undo")).startswith("Undone: KS-101 price back")
    assert await staff_env.say("/undo") == "Can't undo: there is nothing of yours to undo."
    assert staff_env.product("KS-103").price_minor == 300000  # Nahan's change stays


async def test_undo_after_ten_minutes_is_refused(staff_env: StaffEnv):
    await staff_env.say("/price KS-101 3000")
    age_last_entry(staff_env, 11)
    before = staff_env.snapshot()
    reply = await staff_env.say("/undo")
    assert reply.startswith("Can't undo: your last change (price KS-101) was 11 minutes ago")
    assert staff_env.product("KS-101").price_minor == 300000
    assert staff_env.snapshot() == before


async def test_undo_price_changed_since_by_someone_else(staff_env: StaffEnv):
    await staff_env.say("/price KS-101 3000")
    await staff_env.say("/price KS-101 3100", KND_WA)
    assert await staff_env.say("/undo") == "Can't undo: the price of KS-101 was changed again since."


async def test_undo_sold_returns_stock_and_drops_from_report(staff_env: StaffEnv):
    await staff_env.say("/sold KS-101 3")
    assert await staff_env.say("/undo") == "Undone: sale of 3 x KS-101 removed; stock now 12."
    with staff_env.sessions() as s:
        assert s.scalars(select(Order)).one().status == OrderStatus.CANCELLED
    assert (await staff_env.say("/report")).endswith("no sales")


async def test_undo_paid_and_unsent_ship(staff_env: StaffEnv):
    oid = buyer_order(staff_env.sessions, "KS-101")
    await staff_env.say(f"/paid {oid}")
    assert await staff_env.say("/undo") == f"Undone: order {ref(oid)} back to placed."
    await staff_env.say(f"/ship {oid} T1")
    reply = await staff_env.say("/undo")
    assert reply == f"Undone: order {ref(oid)} back to placed; the buyer's message was held back."
    with staff_env.sessions() as s:
        assert s.scalars(select(Notification).where(Notification.kind == "shipped")).all() == []
        assert s.get(Order, oid).tracking is None


async def test_undo_ship_after_buyer_was_told_sends_a_correction(staff_env: StaffEnv):
    """Should the "shipped" have gone out all the same (a clock far off, a notice from before
    the hold), the undo still stands and the buyer is told it has not shipped."""
    oid = buyer_order(staff_env.sessions, "KS-101")
    await staff_env.say(f"/ship {oid}")
    with staff_env.sessions() as s, s.begin():
        s.execute(update(Notification).values(sent_at=utcnow()))
    reply = await staff_env.say("/undo")
    assert reply == (
        f"Undone: order {ref(oid)} back to placed; the buyer had already been told it shipped, "
        "so they are sent a correction."
    )
    with staff_env.sessions() as s:
        assert s.get(Order, oid).status == OrderStatus.PLACED
    (fix,) = _notices(staff_env, "shipment_withdrawn")
    assert fix.text.startswith(f"Correction: your Kaarigar order {ref(oid)} has not been shipped")
    assert fix.send_after is None  # the correction goes at once


async def test_undo_cancel_is_refused(staff_env: StaffEnv):
    oid = buyer_order(staff_env.sessions, "KS-101")
    await staff_env.say(f"/cancel {oid} no wool")
    reply = await staff_env.say("/undo")
    assert reply.startswith(f"Can't undo: order {ref(oid)} stays cancelled")


def _notices(env: StaffEnv, kind: str) -> list[Notification]:
    with env.sessions() as s:
        return list(s.scalars(select(Notification).where(Notification.kind == kind)))


async def test_undo_paid_after_the_receipt_went_out_tells_the_buyer(staff_env: StaffEnv):
    """Tester finding B10: the buyer kept a receipt for an order that was unpaid again."""
    oid = buyer_order(staff_env.sessions, "KS-101")
    await staff_env.say(f"/paid {ref(oid)}")
    with staff_env.sessions() as s, s.begin():
        s.execute(
            update(Notification)
            .where(Notification.kind == "payment_receipt")
            .values(sent_at=utcnow())
        )
    reply = await staff_env.say("/undo")
    assert reply == f"Undone: order {ref(oid)} back to placed; the buyer was told."
    (told,) = _notices(staff_env, "payment_withdrawn")
    assert ref(oid) in told.text and "back to unpaid" in told.text


async def test_undo_paid_before_the_receipt_went_out_holds_it_back(staff_env: StaffEnv):
    oid = buyer_order(staff_env.sessions, "KS-101")
    await staff_env.say(f"/paid {ref(oid)}")
    reply = await staff_env.say("/undo")
    assert reply == f"Undone: order {ref(oid)} back to placed."
    assert _notices(staff_env, "payment_withdrawn") == []
    assert _notices(staff_env, "payment_receipt") == []


def test_the_withdrawal_notice_is_in_every_language():
    from catalog.notices import LANGUAGES, TEXTS

    assert set(TEXTS["payment_withdrawn"]) == set(LANGUAGES)
    assert all("{id}" in v for v in TEXTS["payment_withdrawn"].values())


# F21: the buyer's "shipped" went out within ~2 s, so /undo of a /ship was always too late.


async def _sends(env: StaffEnv) -> list[str]:
    """One round of the web app's outbox sender: the texts it sends the buyer (staff get
    their new-order notices meanwhile)."""
    sent: list[str] = []

    async def telegram(d: Delivery) -> bool:
        if d.user_id == BUYER_TG:
            sent.append(d.text)
        return True

    await OutboxWorker(env.sessions, MemoryStore(), {"telegram": telegram}).run_once()
    return sent


def _telegram_order(env: StaffEnv) -> int:
    """An order from a buyer the sender can reach (a Telegram chat on record)."""
    with transaction(env.sessions) as s:
        sid = customers.ensure(s, "telegram", BUYER_TG, "test-secret").sender_id
    return buyer_order(env.sessions, "KS-101", sid=sid)


def _age(env: StaffEnv, minutes: float) -> None:
    """As if the last change and its notices were ``minutes`` older."""
    with env.sessions() as s, s.begin():
        last = s.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
        assert last is not None
        last.at = last.at - timedelta(minutes=minutes)
        for note in s.scalars(select(Notification).where(Notification.send_after.is_not(None))):
            note.send_after = note.send_after - timedelta(minutes=minutes)


async def test_the_shipped_notice_waits_out_the_undo_window(staff_env: StaffEnv):
    oid = _telegram_order(staff_env)
    reply = await staff_env.say(f"/ship {oid}")
    assert reply == (
        f"Order {ref(oid)} shipped; the buyer will be told in about 10 minutes "
        "(until then, /undo takes it back)."
    )
    assert await _sends(staff_env) == []  # not within seconds, as before
    _age(staff_env, 9.9)  # the last moment /undo still works: still held
    assert await _sends(staff_env) == []
    _age(staff_env, 0.7)  # past the window (and its margin): /undo refuses, the buyer is told
    assert (await staff_env.say("/undo")).startswith("Can't undo: your last change (shipped")
    assert await _sends(staff_env) == [f"Your Kaarigar order {ref(oid)} has been shipped."]


async def test_undo_of_a_ship_late_in_the_window_is_never_told(staff_env: StaffEnv):
    oid = _telegram_order(staff_env)
    await staff_env.say(f"/ship {oid} EE1IN")
    _age(staff_env, 9.5)
    reply = await staff_env.say("/undo")
    assert reply == f"Undone: order {ref(oid)} back to placed; the buyer's message was held back."
    _age(staff_env, 60)
    assert await _sends(staff_env) == []  # nothing about a shipment ever reaches the buyer
    assert _notices(staff_env, "shipped") == [] and _notices(staff_env, "shipment_withdrawn") == []


def test_the_hold_outlasts_the_undo_window():
    assert outbox.SHIPPED_HOLD > undo.WINDOW == timedelta(minutes=10)


def test_the_correction_is_in_every_language():
    from catalog.notices import LANGUAGES, TEXTS

    assert set(TEXTS["shipment_withdrawn"]) == set(LANGUAGES)
    assert all("{id}" in v for v in TEXTS["shipment_withdrawn"].values())
