"""Issue 10, item 11: without Redis, a message is still processed once across a restart,
because the web app records seen message ids in the database's idempotency table."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from catalog import dedup
from catalog.db import transaction
from catalog.models import IdempotencyKey, StockMove, utcnow
from tests.fixtures_channels import FakeRasa, FakeTelegram, FakeTwilio
from tests.staff_support import KND_TG, KND_WA, StaffEnv
from tests.web_support import post_tg, post_wa, running_app, settings_for, tg_text_update, wa_form


def test_first_time_is_true_once_per_key(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as s:
        assert dedup.first_time(s, "whatsapp:SM1", "inbound") is True
        assert dedup.first_time(s, "whatsapp:SM1", "inbound") is False
        assert dedup.first_time(s, "telegram:SM1", "inbound") is True
    with transaction(sessions) as s:  # another transaction, after a commit
        assert dedup.first_time(s, "whatsapp:SM1", "inbound") is False
        assert dedup.first_time(s, "x" * 500, "inbound") is True  # long ids are hashed
        assert dedup.first_time(s, "x" * 500, "inbound") is False


def test_purge_drops_only_old_rows_of_its_kind(sessions: sessionmaker[Session]) -> None:
    old = utcnow() - timedelta(days=8)
    with transaction(sessions) as s:
        s.add(IdempotencyKey(key="old", kind="inbound", result={}, created_at=old))
        s.add(IdempotencyKey(key="old-order", kind="order", result={"orders": [1]}, created_at=old))
        dedup.first_time(s, "new", "inbound")
    with transaction(sessions) as s:
        assert dedup.purge(s, "inbound", utcnow() - timedelta(days=7)) == 1
    with sessions() as s:
        assert set(s.scalars(select(IdempotencyKey.key))) == {"old-order", dedup.db_key("new")}


def moves(sessions: sessionmaker[Session]) -> int:
    with sessions() as s:
        return s.scalar(select(func.count(StockMove.id))) or 0


async def test_a_signed_staff_command_replayed_after_a_restart_is_applied_once(
    engine: Engine,
    staff_env: StaffEnv,
    fake_rasa: FakeRasa,
    fake_telegram: FakeTelegram,
    fake_twilio: FakeTwilio,
) -> None:
    settings = settings_for(str(engine.url), fake_rasa, fake_telegram, fake_twilio)
    sessions = staff_env.sessions
    form = wa_form(KND_WA, "restock KS-101 +5")
    update = tg_text_update(int(KND_TG), "/restock KS-102 +2")
    stock = staff_env.product("KS-101").stock, staff_env.product("KS-102").stock
    async with running_app(settings, sessions) as (_, client):  # no Redis: in-process state
        assert (await post_wa(client, form)).status_code == 200
        assert (await post_tg(client, update)).status_code == 200
        await fake_twilio.wait_for(1)
        await fake_telegram.wait_for("sendMessage", 1)
    before = moves(sessions)
    async with running_app(settings, sessions) as (_, client):  # restarted: memory is empty
        assert (await post_wa(client, form)).status_code == 200  # a captured request replayed
        assert (await post_tg(client, update)).status_code == 200
        assert (await post_wa(client, wa_form(KND_WA, "restock KS-101 +1"))).status_code == 200
        await fake_twilio.wait_for(2)
    assert staff_env.product("KS-101").stock == stock[0] + 5 + 1
    assert staff_env.product("KS-102").stock == stock[1] + 2
    assert moves(sessions) == before + 1
    assert len(fake_twilio.messages) == 2 and len(fake_telegram.sent()) == 1
    assert fake_rasa.calls == []
