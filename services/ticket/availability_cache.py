"""A tiny per-process cache with single-flight loading, for the 1-second availability responses.

During a flash sale thousands of clients poll one show; with a 1 s TTL each process does at most one database
query and one Redis round trip per show per second, and concurrent misses share one load instead of stampeding.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

__all__ = ["AvailabilityCache", "CachedAvailability"]

_MAX_ENTRIES = 10_000


@dataclass(frozen=True, slots=True)
class CachedAvailability:
    event_id: str
    tenant_id: str
    event_status: str  # the visibility check runs on every hit, so drafts stay private
    body: bytes  # the rendered JSON, so a hit costs no serialisation


class AvailabilityCache:
    def __init__(self, ttl_s: float) -> None:
        self.ttl_s = ttl_s
        self._entries: dict[str, tuple[float, CachedAvailability]] = {}
        self._inflight: dict[str, asyncio.Future[CachedAvailability]] = {}

    async def get(self, key: str, load: Callable[[], Awaitable[CachedAvailability]]) -> CachedAvailability:
        hit = self._entries.get(key)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        pending = self._inflight.get(key)
        if pending is None:
            pending = asyncio.ensure_future(load())
            self._inflight[key] = pending
            pending.add_done_callback(lambda done: self._settle(key, done))
        # shield: one impatient client disconnecting must not cancel the load the others are waiting for.
        return await asyncio.shield(pending)

    def _settle(self, key: str, done: asyncio.Future[CachedAvailability]) -> None:
        self._inflight.pop(key, None)
        if done.cancelled() or done.exception() is not None or self.ttl_s <= 0:
            return  # failures are never cached
        if len(self._entries) >= _MAX_ENTRIES:
            now = time.monotonic()
            self._entries = {k: v for k, v in self._entries.items() if v[0] > now}
        self._entries[key] = (time.monotonic() + self.ttl_s, done.result())

    def forget_event(self, event_id: str) -> None:
        """Cancel/publish change visibility: drop that event's shows at once instead of waiting for the TTL."""
        self._entries = {k: v for k, v in self._entries.items() if v[1].event_id != event_id}
