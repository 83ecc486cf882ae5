"""python -m bench.expiry: how late do holds come back? The expiry worker vs the naive poller, under load.

Holds with deadlines spread over a window expire while other buyers keep reserving. For each expired hold the
lateness is (time its booking was marked expired) - (its deadline); the worker returns the seats in Redis before
that mark, so this is an upper bound for "back in the pool". The baseline, measured in the same run, is what the
original shared-database system did: a poller that runs ``UPDATE bookings SET status = 'expired' WHERE ... <
now()`` once per second. Target: worker p99 <= 2 s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import asyncpg
import uvloop

from bench.reconcile.data import private_redis, scratch_databases
from engine import EventSpec, InventoryEngine, ReserveRequest, ShowSpec, ZoneSpec, connect
from services.shared.db import create_pool
from sync.expiry import ExpiryWorker

RESULTS = Path(__file__).resolve().parents[1] / "results" / "expiry.md"
ADMIN_DSN = os.environ.get("BR_PG_ADMIN_DSN", "postgresql://br_admin:br_admin_pw@127.0.0.1:5432/postgres")
_INSERT = """
INSERT INTO bookings (id, tenant_id, user_id, event_id, show_id, zone_id, event_name, show_date, show_time,
    zone_name, quantity, unit_price, total_amount, status, idempotency_key, reserved_at, reservation_expires_at)
VALUES ($1, $2, $3, $4, $5, $6, 'Bench', '2030-01-01', '20:00+07', 'Z', 1, 100, 100, 'reserved', $7, NOW(), $8)
"""
_NAIVE = """
UPDATE bookings SET status = 'expired', updated_at = NOW()
WHERE event_id = $1 AND status = 'reserved' AND reservation_expires_at < NOW()
RETURNING reservation_expires_at
"""


@dataclass(frozen=True)
class Sale:
    tenant_id: str
    event_id: str
    show_id: str
    zone_id: str


async def open_sale(engine: InventoryEngine) -> Sale:
    sale = Sale(*(str(uuid.uuid4()) for _ in range(4)))
    await engine.open_sale(
        EventSpec(sale.event_id, sale.tenant_id, max_tickets_per_user=None),
        ShowSpec(sale.show_id, sale.event_id),
        [ZoneSpec(sale.zone_id, sale.show_id, total_seats=10_000_000, price=Decimal(100))],
    )
    return sale


def _at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


async def hold_many(engine: InventoryEngine, pool: asyncpg.Pool, sale: Sale, deadlines: list[int]) -> None:
    """One reserved hold + booking row per deadline, as booking-service would leave them."""
    rows = []
    for chunk_start in range(0, len(deadlines), 1000):
        chunk = deadlines[chunk_start : chunk_start + 1000]
        now = int(time.time() * 1000)
        requests = [
            ReserveRequest(sale.tenant_id, str(uuid.uuid4()), sale.event_id, sale.show_id, sale.zone_id, 1,
                           str(uuid.uuid4()), str(uuid.uuid4()), now, max(1, deadline - now))
            for deadline in chunk
        ]  # fmt: skip
        holds = await asyncio.gather(*(engine.reserve(r) for r in requests))
        rows += [
            (r.hold_id, r.tenant_id, r.user_id, r.event_id, r.show_id, r.zone_id, r.idempotency_key, _at(h.deadline_ms))
            for r, h in zip(requests, holds, strict=True)
        ]
    await pool.executemany(_INSERT, rows)


async def naive_rows(pool: asyncpg.Pool, sale: Sale, deadlines: list[int]) -> None:
    rows = [
        (str(uuid.uuid4()), sale.tenant_id, str(uuid.uuid4()), sale.event_id, sale.show_id, sale.zone_id,
         str(uuid.uuid4()), _at(deadline))
        for deadline in deadlines
    ]  # fmt: skip
    await pool.executemany(_INSERT, rows)


async def background_load(
    engine: InventoryEngine, pool: asyncpg.Pool, sale: Sale, rps: int, stop: asyncio.Event
) -> int:
    """Buyers who keep reserving (10-minute holds) and being persisted while the holds expire."""
    made = 0
    while not stop.is_set():
        started = time.monotonic()
        now = int(time.time() * 1000)
        count = max(1, rps // 10)
        requests = [
            ReserveRequest(sale.tenant_id, str(uuid.uuid4()), sale.event_id, sale.show_id, sale.zone_id, 1,
                           str(uuid.uuid4()), str(uuid.uuid4()), now, 600_000)
            for _ in range(count)
        ]  # fmt: skip
        holds = await asyncio.gather(*(engine.reserve(r) for r in requests))
        await pool.executemany(_INSERT, [
            (r.hold_id, r.tenant_id, r.user_id, r.event_id, r.show_id, r.zone_id, r.idempotency_key, _at(h.deadline_ms))
            for r, h in zip(requests, holds, strict=True)
        ])  # fmt: skip
        made += count
        await asyncio.sleep(max(0.0, 0.1 - (time.monotonic() - started)))
    return made


async def run_worker(worker: ExpiryWorker, expected: int, timeout_s: float) -> list[float]:
    lateness: list[float] = []
    deadline = time.monotonic() + timeout_s
    while len(lateness) < expected and time.monotonic() < deadline:
        started = time.monotonic()
        lateness += (await worker.sweep()).lateness_s
        await asyncio.sleep(max(0.0, 0.25 - (time.monotonic() - started)))
    return lateness


async def run_naive(pool: asyncpg.Pool, sale: Sale, expected: int, timeout_s: float) -> list[float]:
    lateness: list[float] = []
    deadline = time.monotonic() + timeout_s
    while len(lateness) < expected and time.monotonic() < deadline:
        started = time.monotonic()
        now = datetime.now(UTC)
        lateness += [max(0.0, (now - row[0]).total_seconds()) for row in await pool.fetch(_NAIVE, sale.event_id)]
        await asyncio.sleep(max(0.0, 1.0 - (time.monotonic() - started)))
    return lateness


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=1000, method="inclusive")[int(q * 1000) - 1] if len(values) > 1 else 0.0


async def bench(args: argparse.Namespace) -> str:
    async with scratch_databases(ADMIN_DSN) as dsns, private_redis() as redis_url:
        redis = connect(redis_url, max_connections=64)
        engine = InventoryEngine(redis, key_prefix="bench")
        pool = await create_pool(dsns["booking_db"], min_size=4, max_size=16)
        try:
            expiring, naive, busy = await open_sale(engine), await open_sale(engine), await open_sale(engine)
            start_ms = int(time.time() * 1000) + int(args.lead * 1000)
            step = args.window * 1000 / args.holds
            deadlines = [start_ms + int(i * step) for i in range(args.holds)]
            await hold_many(engine, pool, expiring, deadlines)
            await naive_rows(pool, naive, deadlines)
            if int(time.time() * 1000) > start_ms:
                raise SystemExit("set-up took longer than --lead; raise it")
            stop = asyncio.Event()
            load = asyncio.create_task(background_load(engine, pool, busy, args.load_rps, stop))
            timeout = args.lead + args.window + 30
            worker = ExpiryWorker(engine, pool, batch_size=500, interval_s=0.25)
            worker_lateness, naive_lateness = await asyncio.gather(
                run_worker(worker, args.holds, timeout), run_naive(pool, naive, args.holds, timeout)
            )
            stop.set()
            background = await load
            snapshot = (await engine.snapshot_event(expiring.event_id))[expiring.zone_id]
        finally:
            await pool.close()
            await redis.aclose()
    if len(worker_lateness) != args.holds or snapshot.reserved != 0:
        raise SystemExit(f"worker expired {len(worker_lateness)} of {args.holds}; {snapshot.reserved} seats still held")
    rows = [
        ("naive SQL poller, every 1 s (baseline)", naive_lateness),
        ("expiry worker (sync/expiry.py)", worker_lateness),
    ]
    base_p99 = pct(naive_lateness, 0.99)
    lines = [
        "# Hold-expiry benchmark",
        "",
        f"Written by `python -m bench.expiry`: {args.holds} holds with deadlines spread over {args.window:.0f} s, "
        f"while {background} other reservations were made ({args.load_rps}/s) and persisted.",
        "",
        "| approach | holds expired | p50 s | p99 s | max s | p99 vs baseline |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for index, (name, values) in enumerate(rows):
        p99 = pct(values, 0.99)
        ratio = "1.0 (baseline)" if index == 0 else (f"{base_p99 / p99:.1f}x sooner" if p99 > 0 else "n/a")
        lines.append(f"| {name} | {len(values)} | {pct(values, 0.5):.3f} | {p99:.3f} | {max(values):.3f} | {ratio} |")
    worker_p99 = pct(worker_lateness, 0.99)
    lines += ["", f"Worker p99 lateness {worker_p99:.3f} s (target <= 2 s: {'met' if worker_p99 <= 2 else 'NOT met'})."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.expiry", description=__doc__.splitlines()[0])
    parser.add_argument("--holds", type=int, default=20_000, help="holds that expire (default 20000)")
    parser.add_argument("--window", type=float, default=10.0, help="seconds their deadlines spread over (default 10)")
    parser.add_argument("--lead", type=float, default=15.0, help="seconds for set-up before the first deadline")
    parser.add_argument("--load-rps", type=int, default=500, help="background reservations per second (default 500)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    table = uvloop.run(bench(args))
    print(table)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
