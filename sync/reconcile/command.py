"""``python -m sync reconcile``: arguments, run-id dedupe, exit codes, report and metrics.

Exit codes: 0 consistent (or this scheduled run was already done by another replica), 1 drift found (and, with
--apply, repaired), 2 could not run (one line on stderr saying why).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import asyncpg
from prometheus_client import REGISTRY, CollectorRegistry
from redis.exceptions import RedisError

from engine import EngineError
from sync.reconcile.output import write_metrics, write_report
from sync.reconcile.progress import Progress, reporting
from sync.reconcile.run import RunResult, reconcile
from sync.reconcile.stores import open_stores

__all__ = ["CANNOT_RUN", "add_arguments", "run", "run_id_for"]

CANNOT_RUN = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, RedisError, EngineError, TimeoutError)


def run_id_for(now_s: float, period_s: int) -> str:
    """``reconcile:{scheduled epoch-ms}``: every replica started for one schedule tick computes the same id."""
    return f"reconcile:{int(now_s // period_s) * period_s * 1000}"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--apply", action="store_true", help="repair what is found (default: report only)")
    parser.add_argument(
        "--report", type=Path, help="JSON report file, or a directory for reconcile-<ms>.json (default .stack/reports/)"
    )
    parser.add_argument("--schedule-period", type=int, default=300, help="cron period in seconds (run-id dedupe)")
    parser.add_argument("--run-id", help="override the run id (default reconcile:{now floored to the period})")
    parser.add_argument("--grace", type=float, default=30.0, help="seconds a hold may wait for its booking row")
    parser.add_argument(
        "--ticket-lag-grace",
        type=float,
        default=60.0,
        help="seconds after a zone's last booking change during which ticket_db may lag",
    )
    parser.add_argument("--concurrency", type=int, default=16, help="events audited at once")
    parser.add_argument("--metrics-textfile", type=Path, help="write Prometheus metrics here (node_exporter)")
    parser.add_argument("--progress-every", type=float, default=5.0, help="seconds between progress lines (0 = off)")


def _stderr(message: str) -> None:
    print(f"reconcile: {message}", file=sys.stderr, flush=True)


async def run(args: argparse.Namespace, environ: Mapping[str, str], stop: asyncio.Event) -> int:
    run_id: str = args.run_id or run_id_for(time.time(), args.schedule_period)
    name = f"reconcile-{run_id.rsplit(':', 1)[-1]}.json"
    report: Path = args.report or Path(".stack/reports")
    if not report.suffix:  # a directory (no .json suffix): one file per run id inside it
        report = report / name
    registry = REGISTRY if args.metrics_port else CollectorRegistry()
    result: RunResult | None = None
    error: str | None = None
    code = 2
    try:
        async with open_stores(environ) as stores:
            redis, lock = stores.engine.redis, f"{stores.engine.keys.prefix}:{run_id}"
            owner = f"running {socket.gethostname()}:{os.getpid()}"
            if not await redis.set(lock, owner, nx=True, ex=max(args.schedule_period, 60)):
                holder = await redis.get(lock)
                state = holder.decode() if isinstance(holder, bytes) else str(holder)
                _stderr(f"run {run_id} already done or running elsewhere ({state}); nothing to do")
                return 0
            try:
                progress = Progress("reconcile")
                async with reporting(progress, args.progress_every):
                    result = await reconcile(
                        stores.engine,
                        stores.ticket_pool,
                        stores.booking_pool,
                        apply=args.apply,
                        grace_s=args.grace,
                        ticket_lag_grace_s=args.ticket_lag_grace,
                        concurrency=args.concurrency,
                        progress=progress,
                    )
                code = 1 if result.drift else 0
                await redis.set(lock, f"done exit={code}", xx=True, keepttl=True)
            finally:
                if code == 2:  # failed: let a retry of the same schedule run
                    await redis.delete(lock)
    except CANNOT_RUN as exc:
        error = f"{type(exc).__name__}: {exc}".splitlines()[0]
        _stderr(f"cannot run: {error}")
    write_report(report, run_id, args.apply, code, result, error)
    write_metrics(registry, args.metrics_textfile, code, result)
    if result is not None:
        drift = result.by_kind(soft=False)
        summary = ", ".join(f"{k}={n}" for k, n in sorted(drift.items())) or "none"
        _stderr(
            f"run {run_id}: {result.zones} zones in {result.duration_s:.2f}s; drift: {summary}; "
            f"{'repaired' if args.apply else 'report only'}; report {report}"
        )
    return code
