"""Per-key mutual exclusion: FIFO within a process, and a Redis lock across processes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from redis.exceptions import LockError

from bot.state import RedisStore, StateStore


class LockTimeout(Exception):
    """The distributed lock could not be taken in time."""


class KeyedLocks:
    """One lock per key (a buyer); other keys never wait. Waiters are served in arrival order."""

    def __init__(self, store: StateStore, ttl: float = 60.0, wait: float = 120.0) -> None:
        self.store = store
        self.ttl = ttl  # a crashed holder frees the Redis lock after this long
        self.wait = wait
        self._local: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, k: str) -> AsyncIterator[None]:
        """Hold the lock for ``k``; asyncio.Lock is FIFO, so one process keeps arrival order."""
        lock, users = self._local.get(k, (asyncio.Lock(), 0))
        self._local[k] = (lock, users + 1)
        try:
            async with lock:
                if isinstance(self.store, RedisStore):
                    async with self._redis(k):
                        yield
                else:
                    yield
        finally:
            lock, users = self._local[k]
            if users <= 1:
                del self._local[k]
            else:
                self._local[k] = (lock, users - 1)

    @asynccontextmanager
    async def _redis(self, k: str) -> AsyncIterator[None]:
        assert isinstance(self.store, RedisStore)
        lock = self.store.redis.lock(
            f"{k}:lock", timeout=self.ttl, blocking_timeout=self.wait, sleep=0.02
        )
        if not await lock.acquire():
            raise LockTimeout(k)
        try:
            yield
        finally:
            with suppress(LockError):  # expired meanwhile: nothing left to free
                await lock.release()
