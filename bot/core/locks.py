"""Per-key mutual exclusion: a FIFO line within a process, and a Redis lock across processes.

The Redis lock is short (``ttl``, a few seconds) and renewed every ``ttl / 3`` while it is
held, so a long turn keeps it, and a process that dies holding it frees it within ``ttl``.

Joining a key's line is synchronous, so arrival order is fixed before any await; waiting for
one's turn is a separate step, so a caller can check cheap things (a rate limit) first and
leave the line without ever holding the lock. ``queued`` tells how long a line is, so a
caller can refuse to join a line that is already too long.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from redis.asyncio.lock import Lock as RedisLock
from redis.exceptions import LockError, RedisError

from bot.core.state import RedisStore, StateStore

log = logging.getLogger(__name__)


class LockTimeout(Exception):
    """The distributed lock could not be taken in time."""


class Turn:
    """A place in one key's line; ``wait()`` returns when everyone in front has left."""

    def __init__(self, locks: KeyedLocks, k: str, before: asyncio.Future[None] | None) -> None:
        self._locks, self._key, self._before = locks, k, before
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._redis: RedisLock | None = None
        self._renewal: asyncio.Task[None] | None = None

    async def wait(self) -> None:
        """Wait for the earlier holders in this process, then for the lock across processes."""
        if self._before is not None and not self._before.done():
            await asyncio.wait({self._before})  # never cancels the future of the one in front
        self._redis = await self._locks.take_shared(self._key)
        if self._redis is not None:
            self._renewal = asyncio.create_task(_renew(self._redis, self._locks.ttl))

    async def leave(self) -> None:
        """Free the shared lock; the next in line goes once everyone in front has left too."""
        if self._renewal is not None:
            self._renewal.cancel()
            with suppress(asyncio.CancelledError):
                await self._renewal
        if self._redis is not None:
            with suppress(LockError, RedisError):  # expired or unreachable: nothing to free
                await self._redis.release()
        before = self._before
        if before is None or before.done():
            self.done.set_result(None)
        else:
            before.add_done_callback(self._follow)

    def _follow(self, _before: asyncio.Future[None]) -> None:
        """Left the line early: let the next one go once the one in front has left too."""
        if not self.done.done():
            self.done.set_result(None)


async def _renew(lock: RedisLock, ttl: float) -> None:
    """Keep ``lock`` for another ``ttl`` every ``ttl / 3`` seconds until cancelled."""
    while True:
        await asyncio.sleep(ttl / 3)
        try:
            await lock.reacquire()
        except LockError:  # expired (this process stalled longer than ttl): another may hold it
            log.warning("a buyer's lock expired while held; turns may overlap once")
            return
        except RedisError as exc:  # Redis away for a moment: try again next round
            log.warning("could not renew a buyer's lock: %s", exc)


class KeyedLocks:
    """One line per key (a buyer); other keys never wait. Served in arrival order."""

    def __init__(self, store: StateStore, ttl: float = 10.0, wait: float = 120.0) -> None:
        self.store = store
        self.ttl = ttl  # a crashed holder frees the Redis lock after this long (renewed while held)
        self.wait = wait
        self._tails: dict[str, asyncio.Future[None]] = {}
        self._counts: dict[str, int] = {}

    def queued(self, k: str) -> int:
        """How many are in ``k``'s line in this process, the holder included."""
        return self._counts.get(k, 0)

    @asynccontextmanager
    async def line(self, k: str) -> AsyncIterator[Turn]:
        """Join ``k``'s line at once (no await before joining); leave it on exit."""
        turn = Turn(self, k, self._tails.get(k))
        self._tails[k] = turn.done
        self._counts[k] = self._counts.get(k, 0) + 1
        try:
            yield turn
        finally:
            await turn.leave()
            self._counts[k] -= 1
            if self._counts[k] == 0:  # nobody is in line: the next arrival goes at once
                del self._counts[k]
                del self._tails[k]

    @asynccontextmanager
    async def hold(self, k: str) -> AsyncIterator[None]:
        """Hold the lock for ``k`` (join the line and wait for the turn)."""
        async with self.line(k) as turn:
            await turn.wait()
            yield

    async def take_shared(self, k: str) -> RedisLock | None:
        """The Redis lock for ``k`` when the store is Redis. If Redis is unreachable the
        message was already accepted, so it goes on under this process's lock alone."""
        if not isinstance(self.store, RedisStore):
            return None
        lock = self.store.redis.lock(
            f"{k}:lock", timeout=self.ttl, blocking_timeout=self.wait, sleep=0.02
        )
        try:
            acquired = await lock.acquire()
        except RedisError as exc:
            log.warning("shared lock unavailable, holding the local one only: %s", exc)
            return None
        if not acquired:
            raise LockTimeout(k)
        return lock
