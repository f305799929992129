"""Acknowledged messages that have not been answered yet, kept in Redis until they are.

A webhook answers 200 only after ``accept`` has recorded the message as seen *and* as pending,
owned by this process (one Lua script, so neither exists without the other). The turn checks
that it still owns the record when it starts (``begin``) and when its replies are ready
(``finish``, which deletes the record); a turn that lost its record sends nothing.

Each process keeps a lease (a key with a TTL, renewed every ``lease / 3`` seconds). When a
process dies its lease expires, and the sweeper of any other process claims its records (an
atomic compare-and-set in Lua: one claimer wins) and replays them in the order they were
accepted. A record whose turn had begun before its owner died is marked, so the new owner first
looks in Rasa's tracker for the message instead of sending it to Rasa a second time.

Order: ``accept`` also gives the message its sequence number (one counter, so a buyer's numbers
rise in the order their messages were accepted, whichever process accepted them) and puts the
record in its buyer's queue (a sorted set scored by that number). Before a turn takes the buyer's
lock it waits (``in_order``) until every record in front of it in that queue is done, so update 2
reaching web app B cannot overtake update 1, already acknowledged by web app A. A record in front
whose owner's lease has expired and that no sweeper claims within a lease is passed over, and
the wait as a whole is bounded too, so a dead process or a lost record never blocks a buyer for
good. ``LocalOrder`` keeps the same promise within one process when there is no Redis.

Without Redis (one process, ``MemoryStore``) there is nothing to share and none of this runs.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis

from bot.core.messages import Inbound
from bot.core.state import key, reachable

log = logging.getLogger(__name__)

RECORD_TTL = 24 * 3600.0  # Telegram keeps an undelivered update for a day; so do we
SWEEP_BATCH = 500

ORDER_POLL = 0.02  # seconds between looks at the buyer's queue (the lock polls as often)

# KEYS: seen, record, index, seq, buyer's queue. ARGV: seen ttl ms, record ttl ms, owner,
# inbound, raw.
_ACCEPT = """
if not redis.call('SET', KEYS[1], 1, 'NX', 'PX', ARGV[1]) then return 0 end
local seq = redis.call('INCR', KEYS[4])
redis.call('HSET', KEYS[2], 'owner', ARGV[3], 'inbound', ARGV[4], 'raw', ARGV[5], 'seq', seq,
    'queue', KEYS[5])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
redis.call('ZADD', KEYS[3], seq, KEYS[2])
redis.call('ZADD', KEYS[5], seq, KEYS[2])
redis.call('PEXPIRE', KEYS[5], ARGV[2])
return 1
"""

# KEYS: record. ARGV: the lease keys' prefix. The records in front of this one in its buyer's
# queue, as {name, owner, owner's lease exists (1/0)} triples; records gone (finished, expired)
# leave the queue. Empty when this record is in no queue (gone, or accepted before queues).
# (The queue's name is read from the record: one Redis, not a cluster.)
_AHEAD = """
local q = redis.call('HGET', KEYS[1], 'queue')
if not q then return {} end
local mine = redis.call('ZSCORE', q, KEYS[1])
if not mine then return {} end
local out = {}
for _, name in ipairs(redis.call('ZRANGEBYSCORE', q, '-inf', '(' .. mine)) do
  local owner = redis.call('HGET', name, 'owner')
  if owner then
    table.insert(out, name)
    table.insert(out, owner)
    table.insert(out, redis.call('EXISTS', ARGV[1] .. owner))
  else
    redis.call('ZREM', q, name)
  end
end
return out
"""

# KEYS: record. ARGV: records to take out of its buyer's queue (passed over: stuck or orphaned).
_PASS_OVER = """
local q = redis.call('HGET', KEYS[1], 'queue')
if q then redis.call('ZREM', q, unpack(ARGV)) end
return 0
"""

# KEYS: record. ARGV: owner. Returns false when not ours, else {previous start or '', now}.
_BEGIN = """
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return false end
local t = redis.call('TIME')
local now = t[1] .. '.' .. string.format('%06d', t[2])
local before = redis.call('HGET', KEYS[1], 'started') or ''
redis.call('HSET', KEYS[1], 'started', now)
return {before, now}
"""

# KEYS: record, index. ARGV: owner. 1 when ours (deleted, and out of its buyer's queue), else 0.
_FINISH = """
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return 0 end
local q = redis.call('HGET', KEYS[1], 'queue')
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], KEYS[1])
if q then redis.call('ZREM', q, KEYS[1]) end
return 1
"""

# KEYS: record, the expected owner's lease. ARGV: expected owner, new owner.
# Claims the record only if it still belongs to that owner and that owner's lease has expired.
_CLAIM = """
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return false end
if redis.call('EXISTS', KEYS[2]) == 1 then return false end
redis.call('HSET', KEYS[1], 'owner', ARGV[2])
redis.call('HINCRBY', KEYS[1], 'claims', 1)
return redis.call('HMGET', KEYS[1], 'inbound', 'raw', 'started')
"""


@dataclass(frozen=True)
class Begun:
    """A turn that may go on; ``resumed_after`` is set when a dead owner had begun it."""

    resumed_after: float | None  # seconds since the previous owner began the turn


@dataclass(frozen=True)
class Claimed:
    """A dead process's acknowledged message, now this process's to answer."""

    inbound: Inbound
    raw: str  # what the front end needs to replay it (a Telegram update's JSON), or ""
    started: bool  # the dead owner had begun its turn (it may have reached Rasa)


Replay = Callable[[Claimed], Awaitable[None]]


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value or "")


class PendingTurns:
    """This process's view of the shared pending records (Redis only)."""

    def __init__(
        self,
        redis: aioredis.Redis,
        namespace: str = "",
        lease: float = 10.0,
        owner: str | None = None,
    ) -> None:
        self.redis = redis
        self.namespace = namespace
        self.lease = lease
        self.owner = owner or uuid.uuid4().hex
        self._accept = redis.register_script(_ACCEPT)
        self._begin = redis.register_script(_BEGIN)
        self._finish = redis.register_script(_FINISH)
        self._claim = redis.register_script(_CLAIM)
        self._ahead = redis.register_script(_AHEAD)
        self._pass_over = redis.register_script(_PASS_OVER)

    def _key(self, *parts: str | int) -> str:
        return key(*(p for p in (self.namespace, *parts) if p != ""))

    @property
    def index(self) -> str:
        return self._key("pending")

    def record(self, inbound: Inbound) -> str:
        return self._key("pending", inbound.channel, inbound.message_id)

    def lease_key(self, owner: str) -> str:
        return self._key("owner", owner)

    def queue(self, buyer: str) -> str:
        """The buyer's queue of pending records, in the order they were accepted."""
        return self._key("queue", buyer)

    async def accept(
        self, seen: str, ttl: float, inbound: Inbound, raw: str = "", buyer: str = ""
    ) -> bool:
        """Mark ``seen``, write the pending record and queue it behind the buyer's earlier
        messages, at once; False for a duplicate. ``buyer``: the conversation passes its
        pseudonym (default: channel and user id)."""
        payload = json.dumps(dataclasses.asdict(inbound))
        buyer = buyer or f"{inbound.channel}:{inbound.user_id}"
        keys = [seen, self.record(inbound), self.index, self._key("pending", "seq")]
        keys.append(self.queue(buyer))
        args: list[str | int] = [int(ttl * 1000), int(RECORD_TTL * 1000), self.owner, payload, raw]
        async with reachable():
            return bool(await self._accept(keys=keys, args=args))

    async def in_order(self, inbound: Inbound, limit: float) -> None:
        """Return once every message of this buyer accepted before ``inbound`` is done.

        A record in front whose owner has no lease is waited for one more lease (a sweeper
        claims it meanwhile and answers it first), then passed over; after ``limit`` seconds
        whatever is still in front is passed over (logged). Raises ``StoreUnavailable``."""
        record = self.record(inbound)
        prefix = self._key("owner") + ":"
        start = time.monotonic()
        orphaned: dict[tuple[str, str], float] = {}  # (record, dead owner): first seen
        while True:
            async with reachable():
                found = [_text(v) for v in await self._ahead(keys=[record], args=[prefix])]
            now = time.monotonic()
            ahead: list[str] = []
            dropped: list[str] = []
            for i in range(0, len(found), 3):
                name, owner, alive = found[i : i + 3]
                since = now if alive == "1" else orphaned.setdefault((name, owner), now)
                (ahead if now - since < self.lease else dropped).append(name)
            if now - start >= limit:
                dropped, ahead = dropped + ahead, []
            if dropped:
                log.warning("%d earlier message(s) of a buyer passed over", len(dropped))
                async with reachable():
                    await self._pass_over(keys=[record], args=dropped)
            if not ahead:
                return
            await asyncio.sleep(ORDER_POLL)

    async def begin(self, inbound: Inbound) -> Begun | None:
        """Mark the turn begun; None when this process no longer owns the message."""
        async with reachable():
            found = await self._begin(keys=[self.record(inbound)], args=[self.owner])
        if not found:
            return None
        before, now = (_text(v) for v in found)
        return Begun(float(now) - float(before) if before else None)

    async def finish(self, inbound: Inbound) -> bool:
        """Delete the record if this process still owns it: True means "send the replies"."""
        async with reachable():
            return bool(
                await self._finish(keys=[self.record(inbound), self.index], args=[self.owner])
            )

    async def heartbeat(self) -> None:
        """Renew this process's lease."""
        async with reachable():
            await self.redis.set(self.lease_key(self.owner), 1, px=int(self.lease * 1000))

    async def release(self) -> None:
        """Give up the lease now (a clean stop): other processes take over what is left."""
        async with reachable():
            await self.redis.delete(self.lease_key(self.owner))

    async def sweep(self, channels: Collection[str]) -> list[Claimed]:
        """Claim the records of processes whose lease expired, oldest first, for the channels
        this process can answer on."""
        async with reachable():
            names = [_text(n) for n in await self.redis.zrange(self.index, 0, SWEEP_BATCH - 1)]
            if not names:
                return []
            async with self.redis.pipeline(transaction=False) as pipe:
                for name in names:
                    pipe.hget(name, "owner")
                owners = [_text(o) if o is not None else None for o in await pipe.execute()]
            gone = [n for n, o in zip(names, owners, strict=True) if o is None]
            if gone:  # expired records (a day old) and ones finished meanwhile
                await self.redis.zrem(self.index, *gone)
            alive_owners = {o for o in owners if o}
            async with self.redis.pipeline(transaction=False) as pipe:
                for o in alive_owners:
                    pipe.exists(self.lease_key(o))
                alive = dict(zip(alive_owners, await pipe.execute(), strict=True))
            claimed: list[Claimed] = []
            for name, owner in zip(names, owners, strict=True):
                if not owner or alive.get(owner) or owner == self.owner:
                    continue
                if self._channel(name) not in channels:
                    continue
                got = await self._claim(
                    keys=[name, self.lease_key(owner)], args=[owner, self.owner]
                )
                if got:
                    inbound_json, raw, started = (_text(v) for v in got)
                    inbound = Inbound(**json.loads(inbound_json))
                    claimed.append(Claimed(inbound, raw, bool(started)))
                    log.warning("took over a %s message from a stopped process", inbound.channel)
            return claimed

    def _channel(self, name: str) -> str:
        """The channel part of a record's key (``...:pending:<channel>:<message id>``)."""
        rest = name[len(self.index) + 1 :]
        return rest.split(":", 1)[0]

    async def run(self, replay: Replay, channels: Collection[str]) -> None:
        """Renew the lease and sweep, every ``lease / 3`` seconds, until cancelled."""
        while True:
            try:
                await self.heartbeat()
                for claimed in await self.sweep(channels):
                    try:
                        await replay(claimed)
                    except Exception:  # noqa: BLE001 - the others still get their turn
                        log.exception("a taken-over %s message failed", claimed.inbound.channel)
            except Exception:  # noqa: BLE001 - Redis away for a moment: try again next round
                log.exception("pending messages round failed")
            await asyncio.sleep(self.lease / 3)


class LocalOrder:
    """``PendingTurns.in_order`` for one process without Redis: a ticket per accepted
    message, and a turn waits for the tickets its buyer took before it."""

    def __init__(self) -> None:
        self._lines: dict[str, dict[str, asyncio.Future[None]]] = {}  # in order of acceptance

    def take(self, buyer: str, message: str) -> None:
        """Called as the message is accepted (no await between acceptance and this)."""
        done = asyncio.get_running_loop().create_future()
        self._lines.setdefault(buyer, {}).setdefault(message, done)

    async def in_order(self, buyer: str, message: str, limit: float) -> None:
        """Return once the buyer's messages accepted before ``message`` are done; after
        ``limit`` seconds those still in front are passed over (logged)."""
        line = self._lines.get(buyer, {})
        if message not in line:
            return
        ahead = []
        for m, f in line.items():
            if m == message:
                break
            ahead.append(f)
        if not ahead:
            return
        _, stuck = await asyncio.wait(ahead, timeout=limit)
        if stuck:
            log.warning("%d earlier message(s) of a buyer passed over", len(stuck))
            for m in [m for m, f in line.items() if f in stuck]:
                self.done(buyer, m)

    def done(self, buyer: str, message: str) -> None:
        """The message's turn is over (answered, refused or failed): the next may go."""
        line = self._lines.get(buyer)
        if line is None or message not in line:
            return
        future = line.pop(message)
        if not future.done():
            future.set_result(None)
        if not line:
            del self._lines[buyer]
