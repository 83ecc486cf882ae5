"""``python -m sync rebuild``: restore every live sale into an empty Redis from ticket_db + booking_db.

For each published event: ``open_sale(rebuild=True)`` with sold = confirmed seats and held = seats of reserved,
unexpired bookings (so available = total - sold - held), then ``restore_hold`` for every such booking, held or
confirmed (with its payment id), so per-user limits, idempotent retries and later refunds keep working. Holds are
re-created with the hold id booking-service gave the engine (the booking id) and the per-user scoped idempotency
key it stored ("<user id>:<client key>"); each idempotency record keeps only what is left of its 24 h window.

Refuses (exit 2) when any of those events still has counters in Redis, unless ``--force``: resetting live
counters under a running sale would forget holds booking_db has not recorded yet.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from engine import EngineError, EventSpec, HoldRestore, InventoryEngine, ShowSpec, ZoneSpec
from services.shared.db import acquire
from sync.reconcile.progress import Progress

__all__ = [
    "RebuildRefused",
    "RebuildSummary",
    "Sale",
    "load_live_bookings",
    "load_sales",
    "rebuild",
    "rebuild_event",
    "restore_booking",
]

DAY_MS = 86_400_000
BookingRow = asyncpg.Record | Mapping[str, Any]
_MS = "(extract(epoch FROM {0}) * 1000)::bigint"


class RebuildRefused(Exception):
    """Counters of these events are live in Redis (the engine's CountersLive situation); use --force."""


@dataclass(slots=True)
class Sale:
    event: EventSpec
    shows: dict[str, ShowSpec] = field(default_factory=dict)
    zones: list[ZoneSpec] = field(default_factory=list)  # counts not filled in yet


@dataclass(slots=True)
class RebuildSummary:
    events: int = 0
    zones: int = 0
    held: int = 0
    confirmed: int = 0
    skipped: list[str] = field(default_factory=list)  # bookings that could not be restored (zone gone)


_SALES = f"""
SELECT e.id::text AS event_id, e.tenant_id::text AS tenant_id, e.max_tickets_per_user,
       {_MS.format("e.booking_start_at")} AS e_start, {_MS.format("e.booking_end_at")} AS e_end,
       s.id::text AS show_id, {_MS.format("s.sale_start_at")} AS s_start, {_MS.format("s.sale_end_at")} AS s_end,
       z.id::text AS zone_id, z.total_seats, z.price, z.min_per_order, z.max_per_order, z.is_active,
       {_MS.format("z.sale_start_at")} AS z_start, {_MS.format("z.sale_end_at")} AS z_end
FROM seat_zones z JOIN shows s ON s.id = z.show_id JOIN events e ON e.id = s.event_id
WHERE e.status = 'published' AND e.deleted_at IS NULL AND s.deleted_at IS NULL AND z.deleted_at IS NULL
  AND ($1::uuid[] IS NULL OR e.id = ANY($1::uuid[]))
ORDER BY e.id, s.id, z.id
"""


async def load_sales(pool: asyncpg.Pool, event_ids: Sequence[str] | None = None) -> dict[str, Sale]:
    """Published events with their shows and zones, as engine specs (the same rules ticket-service opens)."""
    async with acquire(pool) as conn:
        rows = await conn.fetch(_SALES, None if event_ids is None else list(event_ids))
    sales: dict[str, Sale] = {}
    for r in rows:
        sale = sales.get(r["event_id"])
        if sale is None:
            event = EventSpec(r["event_id"], r["tenant_id"], r["max_tickets_per_user"], r["e_start"], r["e_end"])
            sale = sales[r["event_id"]] = Sale(event)
        sale.shows.setdefault(r["show_id"], ShowSpec(r["show_id"], r["event_id"], r["s_start"], r["s_end"]))
        sale.zones.append(
            ZoneSpec(
                r["zone_id"],
                r["show_id"],
                r["total_seats"],
                r["price"],
                r["min_per_order"] or 1,
                r["max_per_order"] or 10,
                bool(r["is_active"]),
                r["z_start"],
                r["z_end"],
            )
        )
    return sales


_LIVE = f"""
SELECT id::text AS id, tenant_id::text AS tenant_id, user_id::text AS user_id, event_id::text AS event_id,
       show_id::text AS show_id, zone_id::text AS zone_id, quantity, status, idempotency_key,
       payment_id::text AS payment_id, COALESCE({_MS.format("reservation_expires_at")}, 0) AS deadline_ms,
       COALESCE({_MS.format("reserved_at")}, {_MS.format("created_at")}) AS reserved_ms
FROM bookings
WHERE (status = 'confirmed' OR (status = 'reserved' AND reservation_expires_at > to_timestamp($1::float8 / 1000)))
  AND ($2::uuid[] IS NULL OR event_id = ANY($2::uuid[]))
"""


async def load_live_bookings(
    pool: asyncpg.Pool, now_ms: int, event_ids: Sequence[str] | None = None
) -> dict[str, list[asyncpg.Record]]:
    """Confirmed and reserved-unexpired bookings (the holds that must exist in Redis), by event id."""
    async with acquire(pool) as conn:
        rows = await conn.fetch(_LIVE, now_ms, None if event_ids is None else list(event_ids))
    out: dict[str, list[asyncpg.Record]] = defaultdict(list)
    for r in rows:
        out[r["event_id"]].append(r)
    return out


def _key(row: BookingRow) -> str:
    return str(row["idempotency_key"] or f"booking:{row['id']}")


def _restore_spec(row: BookingRow) -> HoldRestore:
    payment = (row["payment_id"] or "unknown") if row["status"] == "confirmed" else None
    return HoldRestore(
        row["tenant_id"],
        row["user_id"],
        row["event_id"],
        row["show_id"],
        row["zone_id"],
        row["quantity"],
        row["id"],
        _key(row),
        row["deadline_ms"],
        payment,
    )


async def restore_booking(engine: InventoryEngine, row: BookingRow, now_ms: int) -> bool:
    """Re-create one booking's hold (held, or confirmed with its payment id); counters are not touched.
    The idempotency record only lives out what is left of its 24 h window (none left: deleted at once)."""
    confirmed = row["status"] == "confirmed"
    key = _key(row)
    restored = await engine.restore_hold(
        tenant_id=row["tenant_id"],
        user_id=row["user_id"],
        event_id=row["event_id"],
        show_id=row["show_id"],
        zone_id=row["zone_id"],
        quantity=row["quantity"],
        hold_id=row["id"],
        idempotency_key=key,
        deadline_ms=row["deadline_ms"],
        now_ms=now_ms,
        payment_id=(row["payment_id"] or "unknown") if confirmed else None,
    )
    if restored:
        await engine.redis.pexpireat(engine.keys.idem(row["event_id"], key), row["reserved_ms"] + DAY_MS)
    return restored


async def rebuild_event(
    engine: InventoryEngine, sale: Sale, bookings: Sequence[BookingRow], now_ms: int, batch: int = 1000
) -> RebuildSummary:
    summary = RebuildSummary(events=1)
    sold: defaultdict[str, int] = defaultdict(int)
    held: defaultdict[str, int] = defaultdict(int)
    for b in bookings:
        (sold if b["status"] == "confirmed" else held)[b["zone_id"]] += b["quantity"]
    for show_id, show in sale.shows.items():
        zones = [
            ZoneSpec(
                z.zone_id,
                z.show_id,
                z.total_seats,
                z.price,
                z.min_per_order,
                z.max_per_order,
                z.is_active,
                z.sale_start_ms,
                z.sale_end_ms,
                sold[z.zone_id],
                held[z.zone_id],
            )
            for z in sale.zones
            if z.show_id == show_id
        ]
        await engine.open_sale(sale.event, show, zones, rebuild=True)
        summary.zones += len(zones)
    for start in range(0, len(bookings), batch):
        rows = bookings[start : start + batch]
        results = await engine.restore_holds([_restore_spec(r) for r in rows], now_ms)
        async with engine.redis.pipeline(transaction=False) as pipe:
            for row, restored in zip(rows, results, strict=True):
                if isinstance(restored, EngineError):
                    summary.skipped.append(f"booking {row['id']}: {restored.reason}")
                    continue
                summary.confirmed += row["status"] == "confirmed"
                summary.held += row["status"] != "confirmed"
                if restored:  # the idempotency record lives out what is left of its 24 h window
                    pipe.pexpireat(engine.keys.idem(row["event_id"], _key(row)), row["reserved_ms"] + DAY_MS)
            await pipe.execute()
    return summary


async def rebuild(
    engine: InventoryEngine,
    ticket_pool: asyncpg.Pool,
    booking_pool: asyncpg.Pool,
    *,
    force: bool = False,
    progress: Progress | None = None,
) -> RebuildSummary:
    """Rebuild every published event. Raises RebuildRefused (nothing written) if any has live counters."""
    sales = await load_sales(ticket_pool)
    live = [e for e in sales if await engine.snapshot_event(e)]
    if live and not force:
        raise RebuildRefused(f"counters are live in Redis for {len(live)} event(s), e.g. {live[0]}; use --force")
    now_ms = int(time.time() * 1000)
    bookings = await load_live_bookings(booking_pool, now_ms)
    total = RebuildSummary()
    if progress is not None:
        progress.total = sum(len(s.zones) for s in sales.values())
    for event_id, sale in sales.items():
        try:
            part = await rebuild_event(engine, sale, bookings.get(event_id, []), now_ms)
        except EngineError as exc:
            total.skipped.append(f"event {event_id}: {exc}")
            continue
        total.events += 1
        total.zones += part.zones
        total.held += part.held
        total.confirmed += part.confirmed
        total.skipped += part.skipped
        if progress is not None:
            progress.done += part.zones
    return total


# ----------------------------------------------------------------------------------------------- command
def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--force", action="store_true", help="rebuild even events whose counters are live")
    parser.add_argument("--progress-every", type=float, default=5.0, help="seconds between progress lines (0 = off)")


async def run_command(args: argparse.Namespace, environ: Mapping[str, str], stop: asyncio.Event) -> int:
    """Exit 0 rebuilt, 1 rebuilt but some bookings/events could not be restored, 2 refused or could not run."""
    from sync.reconcile.command import CANNOT_RUN
    from sync.reconcile.progress import reporting
    from sync.reconcile.stores import open_stores

    try:
        async with open_stores(environ) as stores:
            progress = Progress("rebuild")
            async with reporting(progress, args.progress_every):
                summary = await rebuild(
                    stores.engine, stores.ticket_pool, stores.booking_pool, force=args.force, progress=progress
                )
    except RebuildRefused as exc:
        print(f"rebuild: refused: {exc}", file=sys.stderr)
        return 2
    except CANNOT_RUN as exc:
        print(f"rebuild: cannot run: {type(exc).__name__}: {exc}".splitlines()[0], file=sys.stderr)
        return 2
    print(
        f"rebuild: {summary.events} events, {summary.zones} zones, {summary.held} held and {summary.confirmed} "
        f"confirmed holds restored; {len(summary.skipped)} skipped",
        file=sys.stderr,
    )
    for item in summary.skipped[:20]:
        print(f"rebuild: skipped {item}", file=sys.stderr)
    return 1 if summary.skipped else 0
