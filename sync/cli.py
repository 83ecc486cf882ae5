"""``python -m sync <command>``: the long-running processes of the event pipeline.

Adding a command is one entry in ``COMMANDS``: a help line, a function adding its arguments, and an async
``run(args, environ, stop)`` that returns when ``stop`` is set (SIGTERM/SIGINT) or its work is done.
Every command gets ``--metrics-port`` (Prometheus /metrics, 0 = off) and ``--log-level``.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

import uvloop
from prometheus_client import start_http_server

from services.shared.observability import configure_logging
from services.shared.settings import DEFAULT_DSNS, SettingsError, env_str
from sync import rebuild
from sync.consumer import run_consumer
from sync.kafka import bootstrap_from_env
from sync.metrics import default_metrics
from sync.reconcile import command as reconcile
from sync.relay import OutboxRelay, RelayConfig

__all__ = ["COMMANDS", "Command", "main"]

log = logging.getLogger("sync.cli")

Run = Callable[[argparse.Namespace, Mapping[str, str], asyncio.Event], Awaitable[int]]


@dataclass(frozen=True, slots=True)
class Command:
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Run


# ----------------------------------------------------------------------------------------------- relay
def _relay_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", required=True, choices=sorted(DEFAULT_DSNS), help="whose outbox to publish")
    parser.add_argument("--batch-size", type=int, default=500, help="rows per publish batch (default 500)")
    parser.add_argument("--idle-sleep", type=float, default=0.5, help="max seconds between polls when idle")
    parser.add_argument("--standby-retry", type=float, default=1.0, help="seconds between leader-lock attempts")
    parser.add_argument("--request-timeout-ms", type=int, default=10_000, help="Kafka request/metadata timeout")


async def _relay(args: argparse.Namespace, environ: Mapping[str, str], stop: asyncio.Event) -> int:
    database: str = args.db
    config = RelayConfig(
        database=database,
        dsn=env_str(environ, f"BR_{database.upper()}_DSN", DEFAULT_DSNS[database]),
        bootstrap=bootstrap_from_env(environ),
        batch_size=args.batch_size,
        idle_sleep=args.idle_sleep,
        standby_retry=args.standby_retry,
        request_timeout_ms=args.request_timeout_ms,
    )
    await OutboxRelay(config).run(stop)
    return 0


# ----------------------------------------------------------------------------------------------- consume
def _consume_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("service", help="a service with services/<service>/consumer.py (ticket, booking, payment)")


async def _consume(args: argparse.Namespace, environ: Mapping[str, str], stop: asyncio.Event) -> int:
    service: str = args.service
    if not service.isidentifier():
        log.error("invalid service name", extra={"fields": {"consumer_service": service}})
        return 2
    try:
        module = importlib.import_module(f"services.{service}.consumer")
    except ModuleNotFoundError:
        log.error("service has no consumer module", extra={"fields": {"consumer_service": service}})
        return 2
    async with module.open_consumer(environ) as definition:
        await run_consumer(definition, bootstrap=bootstrap_from_env(environ), stop=stop)
    return 0


# ----------------------------------------------------------------------------------------------- expire
def _expire_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--batch-size", type=int, default=500, help="holds per engine call (default 500)")
    parser.add_argument("--interval", type=float, default=0.25, help="seconds between sweeps (default 0.25)")
    parser.add_argument("--once", action="store_true", help="run one sweep and the catch-up pass, then exit")


async def _expire(args: argparse.Namespace, environ: Mapping[str, str], stop: asyncio.Event) -> int:
    from engine import InventoryEngine, connect
    from services.shared.db import create_pool
    from services.shared.settings import DEFAULT_REDIS_URL
    from sync.expiry import ExpiryMetrics, ExpiryWorker

    redis = connect(env_str(environ, "BR_REDIS_URL", DEFAULT_REDIS_URL), max_connections=16)
    engine = InventoryEngine(redis, key_prefix=env_str(environ, "BR_ENGINE_KEY_PREFIX", "br"))
    pool = await create_pool(env_str(environ, "BR_BOOKING_DB_DSN", DEFAULT_DSNS["booking_db"]), max_size=4)
    try:
        worker = ExpiryWorker(
            engine, pool, batch_size=args.batch_size, interval_s=args.interval, metrics=ExpiryMetrics()
        )
        if args.once:
            result = await worker.sweep()
            repaired = await worker.catch_up()
            print(f"expired {result.expired} holds; finished {repaired} stranded bookings")
        else:
            await worker.run(stop)
    finally:
        await pool.close()
        await redis.aclose()
    return 0


COMMANDS: dict[str, Command] = {
    "expire": Command("return due holds to the pool and mark their bookings expired", _expire_arguments, _expire),
    "relay": Command("publish one database's outbox to Kafka (leader-elected)", _relay_arguments, _relay),
    "consume": Command("run a service's idempotent Kafka consumer", _consume_arguments, _consume),
    "reconcile": Command("compare Redis with the databases; --apply repairs", reconcile.add_arguments, reconcile.run),
    "rebuild": Command("restore live sales into an empty Redis", rebuild.add_arguments, rebuild.run_command),
}


# ----------------------------------------------------------------------------------------------- plumbing
def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m sync", description=__doc__.splitlines()[0] if __doc__ else None)
    commands = parser.add_subparsers(dest="command", required=True, metavar="command")
    for name, command in COMMANDS.items():
        sub = commands.add_parser(name, help=command.help, description=command.help)
        sub.add_argument("--metrics-port", type=int, default=0, help="serve Prometheus /metrics here (0 = off)")
        sub.add_argument("--log-level", default="INFO")
        command.add_arguments(sub)
    return parser


async def _run(command: Command, args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)  # graceful: finish the current batch, then return
    return await command.run(args, environ, stop)


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    args = _parser().parse_args(argv)
    environ = os.environ if environ is None else environ
    configure_logging(f"sync-{args.command}", args.log_level)
    command = COMMANDS[args.command]
    if args.metrics_port:
        default_metrics()  # register the sync metrics before the first scrape
        start_http_server(args.metrics_port)
    try:
        return uvloop.run(_run(command, args, environ))
    except SettingsError as exc:
        log.error("bad settings", extra={"fields": {"error": str(exc)}})
        return 2


if __name__ == "__main__":
    sys.exit(main())
