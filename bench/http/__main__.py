"""python -m bench.http: requests/s and latency of POST /api/v1/bookings through the real booking-service
(JWT, validation, engine reserve, group-committed booking + outbox) against a hello-world ceiling and the design
document's naive shared-PostgreSQL peer, all served alike and loaded by wrk on the same machine."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

from bench.http.fixtures import Databases, Sale
from bench.http.report import render
from bench.http.run import Bench, Config
from bench.http.tokens import KeyPair, mint_pool

RESULTS = Path(__file__).resolve().parents[1] / "results" / "http.md"
ADMIN_DSN = "postgresql://br_admin:br_admin_pw@127.0.0.1:5432/postgres"
PEAK_GUESS = 4000  # req/s no reserve window here exceeds; sizes the user pool so no user books twice


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.http", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="3 s windows, one 1 s warm-up per scenario (about a minute in all)"
    )
    parser.add_argument(
        "--seconds", type=int, help="measured window per scenario and connection count, whole seconds as wrk wants (10)"
    )
    parser.add_argument("--warmup", type=int, help="warm-up before each window, not reported (2)")
    parser.add_argument("--connections", type=int, nargs="+", default=[64, 256, 1024], help="wrk -c values")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="uvicorn workers, every server")
    parser.add_argument("--threads", type=int, default=2, help="wrk -t (default 2)")
    parser.add_argument("--users", type=int, help=f"distinct users to mint (default {PEAK_GUESS}/s of reserve load)")
    parser.add_argument("--redis-url", default=os.environ.get("BR_REDIS_URL", "redis://127.0.0.1:6379/0"))
    parser.add_argument("--admin-dsn", default=ADMIN_DSN, help="creates and drops the throw-away databases")
    parser.add_argument("--output", type=Path, default=RESULTS, help=f"Markdown file to write (default {RESULTS})")
    args = parser.parse_args(argv)
    args.seconds = args.seconds or (3 if args.quick else 10)
    args.warmup = args.warmup if args.warmup is not None else (1 if args.quick else 2)
    if args.threads > min(args.connections):
        parser.error("--threads must not exceed the smallest --connections")
    return args


def _loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _progress(started: float, what: str) -> None:
    print(f"[{time.monotonic() - started:5.1f} s] {what}", file=sys.stderr)


async def _bench(bench: Bench, dbs: Databases, started: float) -> None:
    try:
        _progress(started, "ceiling: hello-world Starlette")
        await asyncio.to_thread(bench.ceiling)
        _progress(started, "naive peer: shared PostgreSQL")
        await bench.naive(dbs)
        _progress(started, "booking-service (+ ticket-service for its catalog)")
        await bench.booking(dbs)
    finally:
        await dbs.drop_all()
        _progress(started, "done; throw-away databases dropped")


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    started, load_before = time.monotonic(), _loadavg()
    users = args.users or int(PEAK_GUESS * (args.seconds + args.warmup) * len(args.connections))
    keys, sale = KeyPair.generate(), Sale.new()
    with tempfile.TemporaryDirectory(prefix="bench-http-") as tmp:
        _progress(started, f"minting {users:,} tokens")
        mint_pool(keys, sale.tenant_id, users, args.threads, Path(tmp))
        config = Config(args.connections, args.seconds, args.warmup, not args.quick, args.workers, args.threads,
                        args.redis_url, args.admin_dsn, Path(tmp))  # fmt: skip
        bench = Bench(config, sale, keys.public_pem)
        asyncio.run(_bench(bench, Databases(args.admin_dsn), started))
    table, verdicts = render(bench.measured, args.connections)
    elapsed = time.monotonic() - started
    warmups = "before every window" if config.warmup_every else "before the first window of each scenario"
    setup = (
        f"{os.cpu_count()} cores shared by wrk (-t {args.threads}) and every server ({args.workers} uvicorn workers "
        f"each, uvloop + httptools), Redis and PostgreSQL; {args.seconds} s windows, {args.warmup} s warm-up "
        f"{warmups}; {users:,} pre-minted users; load average {load_before} before, {_loadavg()} after; "
        f"{elapsed:.0f} s in all."
    )
    text = "\n".join([table, "Targets:", *verdicts, "", "Checks:", *bench.checks, "", setup]) + "\n"
    print(text)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        "# HTTP benchmark: POST /api/v1/bookings\n\nWritten by `python -m bench.http`; analysis in "
        "docs/bench-http.md.\n\n" + text
    )


if __name__ == "__main__":
    main()
