"""Worker for the oversell race test: runs in a child process (spawned, so it has its own event loop)."""

import asyncio
from dataclasses import dataclass

from redis.asyncio import Redis, RedisCluster

from engine import EngineError, InventoryEngine, ReserveRequest, connect, connect_cluster
from tests.engine.support import NOW, new_id


@dataclass(frozen=True)
class Crowd:
    url: str
    cluster: bool
    prefix: str
    tenant_id: str
    event_id: str
    show_id: str
    zone_id: str
    size: int
    batched: bool


def run_crowd(crowd: Crowd) -> list[str]:
    """``size`` concurrent reservers of one seat each; returns the hold ids granted."""
    return asyncio.run(_crowd(crowd))


async def _crowd(c: Crowd) -> list[str]:
    redis: Redis | RedisCluster = connect_cluster(c.url, 32) if c.cluster else connect(c.url, 32)
    engine = InventoryEngine(redis, key_prefix=c.prefix)
    reserve = engine.reserve if c.batched else engine.reserve_unbatched

    async def one() -> str | None:
        req = ReserveRequest(c.tenant_id, new_id(), c.event_id, c.show_id, c.zone_id, 1, new_id(), new_id(), NOW)
        try:
            return (await reserve(req)).hold_id
        except EngineError as exc:
            assert exc.reason in {"sold_out", "insufficient_seats"}, exc
            return None

    try:
        return [h for h in await asyncio.gather(*(one() for _ in range(c.size))) if h]
    finally:
        await redis.aclose()
