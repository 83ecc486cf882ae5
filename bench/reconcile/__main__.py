"""python -m bench.reconcile: a full reconcile run over 10,000 zones / 1,000,000 bookings, against a naive
per-zone / per-booking loop measured in the same run on a subset. Throw-away databases (admin DSN) and a private
redis-server; nothing shared is touched."""

from __future__ import annotations

import argparse
import os
import random
import time
from pathlib import Path

import uvloop

from bench.reconcile.data import Shape, generate, private_redis, scratch_databases
from bench.reconcile.naive import naive_check
from engine import InventoryEngine, connect
from services.shared.db import create_pool
from sync.rebuild import rebuild
from sync.reconcile.run import reconcile

RESULTS = Path(__file__).resolve().parent / "results.md"
ADMIN = "postgresql://br_admin:br_admin_pw@127.0.0.1:5432/postgres"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.reconcile", description=__doc__)
    parser.add_argument("--admin-dsn", default=os.environ.get("BR_PG_ADMIN_DSN", ADMIN))
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--zones-per-event", type=int, default=10)
    parser.add_argument("--bookings-per-zone", type=int, default=100)
    parser.add_argument("--baseline-zones", type=int, default=1000, help="zones the naive loop checks")
    parser.add_argument("--drift-zones", type=int, default=100, help="zones broken before the --apply run")
    parser.add_argument("--output", type=Path, default=RESULTS)
    return parser.parse_args()


async def main(args: argparse.Namespace) -> None:
    shape = Shape(args.events, args.zones_per_event, args.bookings_per_zone)
    rows: list[tuple[str, str, float, str]] = []

    def step(name: str, scope: str, seconds: float, note: str = "") -> None:
        rows.append((name, scope, seconds, note))
        print(f"{name:<42} {scope:<28} {seconds:8.2f} s  {note}", flush=True)

    async with scratch_databases(args.admin_dsn) as dsns, private_redis() as url:
        t = time.perf_counter()
        await generate(dsns, shape)
        step("generate data set (SQL)", f"{shape.zones} zones / {shape.bookings} bookings", time.perf_counter() - t)
        redis = connect(url, max_connections=64)
        engine = InventoryEngine(redis, key_prefix="br")
        ticket = await create_pool(dsns["ticket_db"], min_size=1, max_size=4)
        booking = await create_pool(dsns["booking_db"], min_size=1, max_size=8)
        try:
            t = time.perf_counter()
            summary = await rebuild(engine, ticket, booking)
            step(
                "rebuild (empty Redis)",
                f"{summary.zones} zones",
                time.perf_counter() - t,
                f"{summary.held} held + {summary.confirmed} confirmed holds",
            )
            full = await reconcile(engine, ticket, booking, apply=False)
            assert not full.drift, full.findings[:5]
            step("reconcile, report only (consistent)", f"{full.zones} zones", full.duration_s, "exit 0")
            broken = random.Random(7).sample(range(shape.zones), args.drift_zones)
            for z in broken:
                event = await ticket.fetchval(
                    "SELECT md5('e' || $1::int / $2::int)::uuid::text", z, shape.zones_per_event
                )
                zone = await ticket.fetchval("SELECT md5('z' || $1::int)::uuid::text", z)
                await redis.hincrby(engine.keys.zone(event, zone), "available", -1)
                await redis.hincrby(engine.keys.zone(event, zone), "reserved", 1)
            fixed = await reconcile(engine, ticket, booking, apply=True)
            kinds = fixed.by_kind(soft=False)
            step(
                "reconcile --apply",
                f"{fixed.zones} zones, {args.drift_zones} broken",
                fixed.duration_s,
                f"found {kinds}, repaired {sum(fixed.repaired_by_kind().values())}",
            )
            clean = await reconcile(engine, ticket, booking, apply=False)
            step("reconcile again", f"{clean.zones} zones", clean.duration_s, f"drift={clean.drift}")
            naive = await naive_check(engine, ticket, booking, args.baseline_zones)
            step("naive loop (per zone, per booking)", f"{args.baseline_zones} zones", naive)
        finally:
            await ticket.close()
            await booking.close()
            await redis.aclose()
    per_zone_naive = naive / args.baseline_zones
    per_zone_bulk = full.duration_s / full.zones
    ratio = per_zone_naive / per_zone_bulk
    projected = per_zone_naive * shape.zones
    print(
        f"per zone: bulk {per_zone_bulk * 1000:.3f} ms, naive {per_zone_naive * 1000:.3f} ms -> {ratio:.1f}x; "
        f"naive projected to {shape.zones} zones: {projected:.0f} s"
    )
    lines = [
        "# Reconcile benchmark (`python -m bench.reconcile`)",
        "",
        f"{shape.events} events x {shape.zones_per_event} zones, {shape.bookings} bookings "
        f"({int(shape.confirmed_share * 100)}% confirmed, the rest active holds); 2-core dev machine, PostgreSQL and a "
        "private redis-server on the same host.",
        "",
        "| step | scope | seconds | note |",
        "|---|---|---:|---|",
        *[f"| {n} | {s} | {sec:.2f} | {note} |" for n, s, sec, note in rows],
        "",
        f"Per zone: bulk reconcile {per_zone_bulk * 1000:.3f} ms vs naive loop {per_zone_naive * 1000:.3f} ms: "
        f"**{ratio:.1f}x** faster; the naive loop would need ~{projected:.0f} s for all {shape.zones} zones.",
    ]
    args.output.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    uvloop.run(main(parse_args()))
