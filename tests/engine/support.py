"""Builders shared by the engine tests (conftest.py holds the fixtures)."""

import os
import uuid
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from redis.asyncio import Redis, RedisCluster

from engine import EventSpec, InventoryEngine, ReserveRequest, ShowSpec, ZoneSpec

REDIS_URL = os.environ.get("BR_REDIS_URL", "redis://127.0.0.1:6379/0")
CLUSTER_URL = os.environ.get("BR_REDIS_CLUSTER_URL", "redis://127.0.0.1:7001")
NOW = 1_700_000_000_000  # a fixed "now" (epoch-ms); tests move time explicitly


def new_id() -> str:
    return str(uuid.uuid4())


def new_prefix() -> str:
    return f"brtest-{uuid.uuid4().hex[:12]}"


@dataclass
class Sale:
    """One event with one show and its zones, opened on an engine; ``req`` builds reservations for it."""

    engine: InventoryEngine
    event: EventSpec
    show: ShowSpec
    zones: list[ZoneSpec]
    tenant_id: str = field(default_factory=new_id)

    @property
    def event_id(self) -> str:
        return self.event.event_id

    @property
    def zone_id(self) -> str:
        return self.zones[0].zone_id

    def req(self, user_id: str | None = None, quantity: int = 1, **overrides: Any) -> ReserveRequest:
        base = ReserveRequest(
            tenant_id=self.tenant_id,
            user_id=user_id or new_id(),
            event_id=self.event_id,
            show_id=self.show.show_id,
            zone_id=self.zone_id,
            quantity=quantity,
            hold_id=new_id(),
            idempotency_key=new_id(),
            now_ms=NOW,
        )
        return replace(base, **overrides)


async def open_sale(
    engine: InventoryEngine,
    seats: int | list[int] = 10,
    *,
    event: dict[str, Any] | None = None,
    show: dict[str, Any] | None = None,
    zone: dict[str, Any] | None = None,
) -> Sale:
    """Open a fresh event (random ids) with one zone per entry of ``seats``; dicts override spec fields."""
    event_spec = EventSpec(event_id=new_id(), tenant_id=new_id(), **(event or {}))
    show_spec = ShowSpec(show_id=new_id(), event_id=event_spec.event_id, **(show or {}))
    zones = [
        ZoneSpec(zone_id=new_id(), show_id=show_spec.show_id, total_seats=n, price=Decimal("1500.00"), **(zone or {}))
        for n in ([seats] if isinstance(seats, int) else seats)
    ]
    await engine.open_sale(event_spec, show_spec, zones)
    return Sale(engine, event_spec, show_spec, zones, tenant_id=event_spec.tenant_id)


async def delete_prefix(redis: "Redis | RedisCluster", prefix: str) -> None:
    """Remove one test's keys (never FLUSHDB: the Redis is shared). One key per UNLINK so it is cluster-safe."""
    async for key in redis.scan_iter(match=f"{prefix}:*", count=1000):
        await redis.unlink(key)
