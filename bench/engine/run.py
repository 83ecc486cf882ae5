"""Benchmark phases: engine throughput and latency at a given concurrency, and the sale they run against."""

import asyncio
import statistics
import time
import uuid
from dataclasses import dataclass, replace
from decimal import Decimal

from engine import EventSpec, InventoryEngine, ReserveRequest, ShowSpec, ZoneSpec

NOW_MS = 1_700_000_000_000
HUGE = 2_000_000_000  # seats: the zone never sells out during a run


@dataclass(frozen=True)
class Result:
    name: str
    concurrency: int
    reservations: int
    per_second: float
    p50_ms: float
    p99_ms: float


async def open_huge_sale(engine: InventoryEngine) -> ReserveRequest:
    """A fresh event with one huge zone; returns a request template for it."""
    event = EventSpec(str(uuid.uuid4()), str(uuid.uuid4()), max_tickets_per_user=None)
    show = ShowSpec(str(uuid.uuid4()), event.event_id)
    zone = ZoneSpec(str(uuid.uuid4()), show.show_id, HUGE, Decimal("100"), max_per_order=1)
    await engine.open_sale(event, show, [zone])
    return ReserveRequest(event.tenant_id, "", event.event_id, show.show_id, zone.zone_id, 1, "", "", NOW_MS)


async def measure(
    engine: InventoryEngine, template: ReserveRequest, concurrency: int, seconds: float, batched: bool
) -> Result:
    """``concurrency`` tasks reserve back to back for ``seconds``; every call is timed."""
    reserve = engine.reserve if batched else engine.reserve_unbatched
    latencies: list[float] = []
    stop = time.perf_counter() + seconds

    async def caller(n: int) -> None:
        i = 0
        while time.perf_counter() < stop:
            i += 1
            tag = f"{n}-{i}-{template.event_id[:8]}"
            req = replace(template, user_id=f"u{tag}", hold_id=tag, idempotency_key=tag)
            started = time.perf_counter()
            await reserve(req)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(caller(n) for n in range(concurrency)))
    elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100)
    name = "engine.reserve (batched)" if batched else "engine.reserve_unbatched"
    return Result(name, concurrency, len(latencies), len(latencies) / elapsed, cuts[49] * 1000, cuts[98] * 1000)
