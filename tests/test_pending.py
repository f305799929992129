"""Issue 13: acknowledged messages outlive the web app that acknowledged them (real Redis).

``bot/core/pending.py`` against the Redis the tests share (db 15, a fresh namespace per test):
accept writes the seen key and the pending record together; only the owner may begin and
finish a turn; a sweeper claims the records of a process whose lease expired, each exactly
once even when several sweep at the same moment, in the order they were accepted; the
per-buyer lock is short but renewed while held. The multi-process test
(tests/test_multiprocess.py) shows the same with real processes, Rasa and SIGKILL.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis
from starlette.applications import Starlette
from starlette.routing import Route

from bot.core.conversation import Conversation, Limits
from bot.core.locks import KeyedLocks
from bot.core.messages import Inbound, Reply
from bot.core.pending import Claimed, PendingTurns
from bot.core.rasa_client import MESSAGE_KEY, RasaClient
from bot.core.state import MemoryStore, RedisStore, StoreUnavailable, key
from bot.ops.serving import serve
from tests.conftest import REDIS_URL, unavailable
from tests.fixtures_channels import FakeRasa

pytestmark = pytest.mark.redis

TTL = 60.0


@pytest.fixture
async def client() -> AsyncIterator[aioredis.Redis]:
    r = aioredis.from_url(REDIS_URL)
    try:
        await r.ping()
    except Exception as exc:  # noqa: BLE001
        await r.aclose()
        unavailable("Redis on 127.0.0.1:6379", exc)
    namespace = f"tp{uuid.uuid4().hex[:8]}"
    r.namespace = namespace  # type: ignore[attr-defined]
    yield r
    keys = [k async for k in r.scan_iter(match=f"{key(namespace)}:*")]
    if keys:
        await r.delete(*keys)
    await r.aclose()


def turns(r: aioredis.Redis, lease: float = 1.0) -> PendingTurns:
    return PendingTurns(r, r.namespace, lease=lease)  # type: ignore[attr-defined]


def msg(i: int, channel: str = "telegram", user: str = "77") -> Inbound:
    return Inbound(channel, user, f"m{i}", text=f"hello {i}")


async def accept(p: PendingTurns, inbound: Inbound) -> bool:
    seen = key(p.namespace, "seen", inbound.channel, inbound.message_id)
    return await p.accept(seen, TTL, inbound, raw=f'{{"update_id": "{inbound.message_id}"}}')


async def test_accept_records_seen_and_pending_together_once(client: aioredis.Redis) -> None:
    a = turns(client)
    assert await accept(a, msg(1))
    assert not await accept(a, msg(1))  # a retry of the same message: a duplicate
    record = await client.hgetall(a.record(msg(1)))
    assert record[b"owner"].decode() == a.owner
    assert await client.zrange(a.index, 0, -1) == [a.record(msg(1)).encode()]
    assert await client.ttl(a.record(msg(1))) > 3600  # expires (a day), never kept forever


async def test_only_the_owner_begins_and_finishes(client: aioredis.Redis) -> None:
    a, b = turns(client), turns(client)
    await accept(a, msg(1))
    assert await b.begin(msg(1)) is None
    begun = await a.begin(msg(1))
    assert begun is not None and begun.resumed_after is None  # nobody began it before
    assert not await b.finish(msg(1))
    assert await a.finish(msg(1))
    assert await client.exists(a.record(msg(1))) == 0
    assert await client.zcard(a.index) == 0
    assert not await a.finish(msg(1))  # finished once


async def test_a_live_owner_keeps_its_messages_and_a_dead_ones_are_claimed_once_in_order(
    client: aioredis.Redis,
) -> None:
    a = turns(client, lease=1.0)
    sweepers = [turns(client, lease=1.0) for _ in range(3)]
    await a.heartbeat()
    for i in range(6):
        assert await accept(a, msg(i, user=str(i % 2)))
    assert await a.begin(msg(0)) is not None  # A had begun its first turn when it died
    for s in sweepers:
        await s.heartbeat()
        assert await s.sweep(["telegram"]) == []  # A's lease holds
    await asyncio.sleep(1.1)  # A stops renewing: its lease expires
    for s in sweepers:
        await s.heartbeat()  # as their sweep loop does before each round
    found = await asyncio.gather(*(s.sweep(["telegram"]) for s in sweepers))
    claimed = [c for batch in found for c in batch]
    assert sorted(c.inbound.message_id for c in claimed) == [f"m{i}" for i in range(6)]  # once each
    for batch in found:  # each sweeper replays what it got in the order A accepted it
        ids = [int(c.inbound.message_id[1:]) for c in batch]
        assert ids == sorted(ids)
    first = next(c for c in claimed if c.inbound.message_id == "m0")
    assert first.started and first.inbound == msg(0, user="0")
    assert first.raw == '{"update_id": "m0"}'
    assert not any(c.started for c in claimed if c is not first)
    # A wakes up: it owns none of them any more, so it neither begins nor answers them.
    assert await a.begin(msg(1, user="1")) is None
    assert not await a.finish(msg(0, user="0"))
    owner_of = {
        c.inbound.message_id: s for s, batch in zip(sweepers, found, strict=True) for c in batch
    }
    resumed = await owner_of["m0"].begin(msg(0, user="0"))
    assert resumed is not None and resumed.resumed_after is not None
    assert 1.0 <= resumed.resumed_after < 10  # seconds since A began it
    for mid, s in owner_of.items():
        assert await s.finish(Inbound("telegram", "", mid))
    assert await client.zcard(a.index) == 0


async def test_a_sweeper_claims_only_channels_it_can_answer_on(client: aioredis.Redis) -> None:
    a, b = turns(client), turns(client)
    await accept(a, msg(1, "telegram"))
    await accept(a, msg(2, "whatsapp"))
    await b.heartbeat()
    claimed = await b.sweep(["whatsapp"])
    assert [c.inbound.channel for c in claimed] == ["whatsapp"]
    assert await client.hget(a.record(msg(1, "telegram")), "owner") == a.owner.encode()


async def test_a_released_lease_hands_over_at_once(client: aioredis.Redis) -> None:
    a, b = turns(client, lease=60.0), turns(client, lease=60.0)
    await a.heartbeat()
    await accept(a, msg(1))
    assert await b.sweep(["telegram"]) == []
    await a.release()  # a clean stop
    assert [c.inbound.message_id for c in await b.sweep(["telegram"])] == ["m1"]


async def test_a_dead_web_apps_message_is_answered_once_by_another(client: aioredis.Redis) -> None:
    """Two conversations (two web apps) on one Redis: A accepts and dies before its turn; B
    claims and answers it; A's turn, if it ever runs, sends nothing and never reaches Rasa."""
    fake = FakeRasa()
    fake.running = await serve(
        Starlette(routes=[Route("/webhooks/rest/webhook", fake.webhook, methods=["POST"])])
    )
    store = RedisStore(client)
    try:
        async with httpx.AsyncClient() as http:

            def web() -> Conversation:
                return Conversation(
                    RasaClient(http, fake.url), store, "secret",
                    namespace=client.namespace,  # type: ignore[attr-defined]
                    pending=turns(client, lease=0.5),
                )  # fmt: skip

            a, b = web(), web()
            assert a.pending and b.pending
            await a.pending.heartbeat()
            inbound = msg(1)
            assert await a.accept(inbound)
            assert not await b.accept(inbound)  # the platform's retry to B: a duplicate
            await b.pending.heartbeat()
            assert await b.pending.sweep(["telegram"]) == []
            await asyncio.sleep(0.6)
            claimed = await b.pending.sweep(["telegram"])
            assert [c.inbound for c in claimed] == [inbound]
            replies = await b.handle(claimed[0].inbound, accepted=True)
            assert replies and replies[0].text == "echo: hello 1"
            assert await a.handle(inbound, accepted=True) is None
            assert fake.messages() == ["hello 1"]
            sent = fake.calls[0][3]["metadata"]
            assert sent[MESSAGE_KEY] == "telegram:m1"  # so a retry can find it in the tracker
    finally:
        assert fake.running is not None
        await fake.running.stop()


async def test_the_buyer_lock_is_short_but_renewed_while_held(client: aioredis.Redis) -> None:
    """A holder keeps the lock past its 1 s expiry (renewed); a holder that dies (never
    renews) frees it about 1 s later instead of the old 60 s."""
    store = RedisStore(client)
    here, there = KeyedLocks(store, ttl=1.0), KeyedLocks(store, ttl=1.0)
    k = key(client.namespace, "sender", "s1")  # type: ignore[attr-defined]
    events: list[tuple[str, float]] = []
    start = time.monotonic()

    async def hold(locks: KeyedLocks, name: str, seconds: float) -> None:
        async with locks.hold(k):
            events.append((name, time.monotonic() - start))
            await asyncio.sleep(seconds)
            events.append((f"{name} done", time.monotonic() - start))

    first = asyncio.create_task(hold(here, "first", 2.5))
    await asyncio.sleep(0.1)
    await hold(there, "second", 0)
    await first
    assert [e for e, _ in events] == ["first", "first done", "second", "second done"]
    dead = client.lock(f"{k}:lock", timeout=1.0)  # taken by a process that then died
    assert await dead.acquire(blocking=False)
    taken = time.monotonic()
    await hold(there, "third", 0)
    assert 0.5 < time.monotonic() - taken < 2.0


# Order across web apps: a buyer's messages are handled in the order they were accepted.


@pytest.fixture
async def rasa() -> AsyncIterator[FakeRasa]:
    fake = FakeRasa()
    fake.running = await serve(
        Starlette(routes=[Route("/webhooks/rest/webhook", fake.webhook, methods=["POST"])])
    )
    yield fake
    await fake.running.stop()


def web_app(
    client: aioredis.Redis, http: httpx.AsyncClient, fake: FakeRasa, lease: float, **kw: Any
) -> Conversation:
    """One web app's conversation on the shared Redis (its own lease and owner id)."""
    return Conversation(
        RasaClient(http, fake.url), RedisStore(client), "secret",
        namespace=client.namespace,  # type: ignore[attr-defined]
        pending=turns(client, lease=lease), **kw,
    )  # fmt: skip


async def still_waiting(task: asyncio.Task[Any], seconds: float = 0.5) -> bool:
    await asyncio.sleep(seconds)
    return not task.done()


async def test_a_later_message_at_another_web_app_waits_for_the_earlier_accepted_one(
    client: aioredis.Redis, rasa: FakeRasa
) -> None:
    """Update 1 (a staff command) is accepted by web app A, which has not taken the buyer's
    lock yet; update 2 reaches web app B, which would get the lock first: it waits, and is
    handled after update 1. A retry of update 1 at B is a duplicate and takes no place."""
    handled: list[str] = []

    async def staff(inbound: Inbound) -> list[Reply] | None:
        if not inbound.text.startswith("/"):
            return None
        handled.append(inbound.text)
        return [Reply(text="staff answer")]

    async def rasa_answer(sender: str, message: str) -> list[dict[str, Any]]:
        handled.append(message)
        return [{"text": f"echo: {message}"}]

    rasa.respond = rasa_answer
    async with httpx.AsyncClient() as http:
        a = web_app(client, http, rasa, 5.0, staff=staff)
        b = web_app(client, http, rasa, 5.0, staff=staff)
        assert a.pending and b.pending
        await a.pending.heartbeat()
        await b.pending.heartbeat()
        first = Inbound("telegram", "77", "u1", text="/orders")
        second = Inbound("telegram", "77", "u2", text="hello 2")
        assert await a.accept(first)
        assert not await b.accept(first)  # the same update delivered to B: one place only
        assert await b.accept(second)
        later = asyncio.create_task(b.handle(second, accepted=True))
        assert await still_waiting(later), "update 2 overtook update 1"
        assert handled == []
        assert await a.handle(first, accepted=True) == [Reply(text="staff answer")]
        replies = await asyncio.wait_for(later, 5)
        assert replies and replies[0].text == "echo: hello 2"
        assert handled == ["/orders", "hello 2"]
        assert await client.exists(a.pending.queue(a.sender(first))) == 0  # nothing left


async def test_a_dead_web_apps_earlier_message_is_taken_over_first_without_blocking(
    client: aioredis.Redis, rasa: FakeRasa
) -> None:
    """Web app A accepts update 1 and dies. Update 2 at web app B waits: B's sweeper takes
    update 1 over once A's lease expires and answers it first, then update 2 goes."""
    async with httpx.AsyncClient() as http:
        a = web_app(client, http, rasa, 0.5)
        b = web_app(client, http, rasa, 0.5)
        assert a.pending and b.pending
        await a.pending.heartbeat()
        await b.pending.heartbeat()
        first, second = msg(1), msg(2)
        assert await a.accept(first)  # ... and A dies: no turn, no more heartbeats
        assert await b.accept(second)
        later = asyncio.create_task(b.handle(second, accepted=True))
        replayed: list[asyncio.Task[Any]] = []

        async def replay(claimed: Claimed) -> None:
            replayed.append(asyncio.create_task(b.handle(claimed.inbound, accepted=True)))

        sweeping = asyncio.create_task(b.pending.run(replay, ["telegram"]))
        try:
            started = time.monotonic()
            await asyncio.wait_for(later, 5)
            assert time.monotonic() - started < 3  # about a lease, not order_wait (120 s)
            assert len(replayed) == 1
            await replayed[0]
        finally:
            sweeping.cancel()
        assert rasa.messages() == ["hello 1", "hello 2"]


async def test_a_dead_web_apps_message_nobody_takes_over_blocks_for_about_a_lease(
    client: aioredis.Redis, rasa: FakeRasa
) -> None:
    """No sweeper runs (or none can answer that channel): the dead owner's earlier message is
    passed over once its lease expired and one more lease went by, not after order_wait."""
    async with httpx.AsyncClient() as http:
        a = web_app(client, http, rasa, 0.5)
        b = web_app(client, http, rasa, 0.5)
        assert a.pending and b.pending
        await a.pending.heartbeat()
        await b.pending.heartbeat()
        assert await a.accept(msg(1))  # A dies
        assert await b.accept(msg(2))
        started = time.monotonic()
        replies = await asyncio.wait_for(b.handle(msg(2), accepted=True), 10)
        elapsed = time.monotonic() - started
        assert replies and replies[0].text == "echo: hello 2"
        assert 0.4 < elapsed < 3, elapsed  # A's lease (0.5 s) plus one more lease
        assert rasa.messages() == ["hello 2"]
        assert await client.zcard(b.pending.queue(b.sender(msg(2)))) == 0


async def test_with_redis_unreachable_the_order_wait_goes_on(
    client: aioredis.Redis, rasa: FakeRasa, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Redis down while a turn waits for its place: it goes on (lock rules as before)."""
    async with httpx.AsyncClient() as http:
        a = web_app(client, http, rasa, 5.0)
        b = web_app(client, http, rasa, 5.0)
        assert a.pending and b.pending
        await a.pending.heartbeat()
        assert await a.accept(msg(1))
        assert await b.accept(msg(2))

        async def down(inbound: Inbound, limit: float) -> None:
            raise StoreUnavailable("connection refused")

        monkeypatch.setattr(b.pending, "in_order", down)
        replies = await asyncio.wait_for(b.handle(msg(2), accepted=True), 5)
        assert replies and replies[0].text == "echo: hello 2"


async def test_without_redis_one_process_keeps_the_order_of_acceptance(rasa: FakeRasa) -> None:
    """In memory (no REDIS_URL): update 2's turn, begun first, waits for update 1 accepted
    before it; a refused or failed earlier turn lets it go; a lost one after order_wait."""
    async with httpx.AsyncClient() as http:
        conv = Conversation(
            RasaClient(http, rasa.url), MemoryStore(), "secret", limits=Limits(order_wait=0.5)
        )
        assert await conv.accept(msg(1)) and await conv.accept(msg(2))
        later = asyncio.create_task(conv.handle(msg(2), accepted=True))
        assert await still_waiting(later, 0.2)
        await conv.handle(msg(1), accepted=True)
        await asyncio.wait_for(later, 5)
        assert rasa.messages() == ["hello 1", "hello 2"]
        assert await conv.accept(msg(3)) and await conv.accept(msg(4))  # 3 is never handled
        started = time.monotonic()
        await asyncio.wait_for(conv.handle(msg(4), accepted=True), 5)
        assert 0.4 < time.monotonic() - started < 2  # passed over after order_wait
        assert rasa.messages() == ["hello 1", "hello 2", "hello 4"]


async def test_a_message_accepted_by_handle_itself_leaves_no_pending_record(
    client: aioredis.Redis, rasa: FakeRasa
) -> None:
    """Telegram polling and the console call handle without accepting first: the message is
    answered in that call, so no pending record is left behind (none would ever be finished,
    another web app would answer it again, and it would hold the buyer's later messages)."""
    async with httpx.AsyncClient() as http:
        a = web_app(client, http, rasa, 5.0)
        assert a.pending
        replies = await a.handle(msg(1))
        assert replies and replies[0].text == "echo: hello 1"
        assert await a.handle(msg(1)) is None  # still a duplicate the second time
        assert await client.exists(a.pending.record(msg(1))) == 0
        assert await client.zcard(a.pending.index) == 0
        assert await client.exists(a.pending.queue(a.sender(msg(1)))) == 0
