"""python -m bench.engine: reservations/s through the engine API vs the raw redis-benchmark EVALSHA ceiling."""

import argparse
import asyncio
import os
import uuid
from pathlib import Path

import uvloop

from bench.engine.raw import reserve_command, run_raw
from bench.engine.run import Result, measure, open_huge_sale
from engine import InventoryEngine, connect
from engine.scripts import source

RESULTS = Path(__file__).resolve().parents[1] / "results" / "engine.md"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.engine", description=__doc__)
    parser.add_argument("--url", default=os.environ.get("BR_REDIS_URL", "redis://127.0.0.1:6379/0"))
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each engine phase (default 5)")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[64, 512], help="callers (default 64 512)")
    parser.add_argument("--batch-max", type=int, default=256, help="engine micro-batch bound (default 256)")
    parser.add_argument("--raw-requests", type=int, default=150_000, help="redis-benchmark -n (default 150000)")
    parser.add_argument("--raw-clients", type=int, default=50, help="redis-benchmark -c (default 50)")
    parser.add_argument("--output", type=Path, default=RESULTS, help=f"Markdown file to write (default {RESULTS})")
    return parser.parse_args(argv)


async def drop_event(engine: InventoryEngine, event_id: str) -> None:
    """Delete one phase's keys right away so a run never holds more than one phase's holds in memory."""
    pattern = engine.keys.base(event_id).replace("[", "\\[") + "*"
    batch: list[str] = []
    async for key in engine.redis.scan_iter(match=pattern, count=5000):
        batch.append(key)
        if len(batch) == 1000:
            await engine.redis.unlink(*batch)  # one event's keys share a slot, so multi-key UNLINK is fine
            batch.clear()
    if batch:
        await engine.redis.unlink(*batch)
    await engine.redis.srem(engine.keys.live_events(), event_id)


async def bench(args: argparse.Namespace) -> str:
    redis = connect(args.url, max_connections=64)
    engine = InventoryEngine(redis, key_prefix=f"brbench-{uuid.uuid4().hex[:10]}", batch_max=args.batch_max)
    try:
        template = await open_huge_sale(engine)
        sha = await redis.script_load(source("reserve-8"))
        command = reserve_command(sha, engine.keys, template)
        raw = await asyncio.to_thread(run_raw, args.url, command, args.raw_requests, args.raw_clients)
        granted = (await engine.snapshot_event(template.event_id))[template.zone_id].reserved
        if granted < 0.99 * args.raw_requests:  # a mistyped EVALSHA would be "fast" while reserving nothing
            raise SystemExit(f"raw run reserved only {granted} of {args.raw_requests}: its command is wrong")
        await drop_event(engine, template.event_id)
        results: list[Result] = []
        phases = [(c, True) for c in args.concurrency] + [(min(args.concurrency), False)]
        for concurrency, batched in phases:
            template = await open_huge_sale(engine)
            results.append(await measure(engine, template, concurrency, args.seconds, batched))
            await drop_event(engine, template.event_id)
        return render(raw, args, results, engine.batch_stats.largest)
    finally:
        await redis.aclose()


def render(raw: float, args: argparse.Namespace, results: list[Result], largest_batch: int) -> str:
    lines = [
        "| path | callers | reservations | reservations/s | ratio to raw | p50 ms | p99 ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
        f"| redis-benchmark EVALSHA reserve-8 (raw ceiling) | {args.raw_clients} | {args.raw_requests} "
        f"| {raw:,.0f} | 1.00 | | |",
    ]
    for r in results:
        lines.append(
            f"| {r.name} | {r.concurrency} | {r.reservations} | {r.per_second:,.0f} | {r.per_second / raw:.2f} "
            f"| {r.p50_ms:.2f} | {r.p99_ms:.2f} |"
        )
    best = max(r.per_second for r in results if r.name.endswith("(batched)"))
    verdict = "met" if best >= 0.7 * raw else "NOT met"
    lines += ["", f"Best engine/raw ratio {best / raw:.2f} (target >= 0.70: {verdict}); largest batch {largest_batch}."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    table = uvloop.run(bench(args))
    print(table)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text("# Engine benchmark\n\nWritten by `python -m bench.engine`.\n\n" + table)


if __name__ == "__main__":
    main()
