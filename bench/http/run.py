"""The three servers of one benchmark, each measured with wrk at every connection count, then checked: the
database must hold exactly what the 201s say (bounded by the requests still in flight when wrk stopped)."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import asyncpg

from bench.http.cpu import CpuProbe, CpuShare
from bench.http.fixtures import Databases, Sale, delete_prefix, open_engine_sale, seed_naive, seed_ticket
from bench.http.servers import UVICORN_FLAGS, Server, free_port, start_server
from bench.http.wrk import Target, WrkResult, run_wrk
from engine import InventoryEngine, connect

__all__ = ["Bench", "Config", "Measured"]

PATH = "/api/v1/bookings"
NAIVE_POOL_MAX = 10  # = BR_BOOKING_DB_POOL_MAX's default: both peers get the same PostgreSQL connections


@dataclass(frozen=True)
class Config:
    connections: list[int]
    seconds: int  # wrk takes whole seconds
    warmup: int
    warmup_every: bool  # before every connection count, or only the first of a scenario (quick mode)
    workers: int
    threads: int
    redis_url: str
    admin_dsn: str
    work_dir: Path  # tokens and server logs


@dataclass(frozen=True)
class Measured:
    scenario: str
    expected: int  # the status every response should have
    result: WrkResult
    cpu: CpuShare

    @property
    def unexpected(self) -> int:
        return self.result.unexpected(self.expected)


@dataclass
class Bench:
    config: Config
    sale: Sale
    public_pem: str
    measured: list[Measured] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)  # one line per validation, for the report
    _runs: int = 0
    _reserve_results: list[WrkResult] = field(default_factory=list)  # warm-ups included

    def _load(self, servers: list[Server], target: Target, scenario: str, expected: int,
              offsets: list[int] | None = None) -> list[WrkResult]:  # fmt: skip
        """Warm-up then measured window at each connection count; returns every wrk result (warm-ups too, since
        their 201s are bookings as well). ``offsets``: per-thread token positions, advanced so no user repeats."""
        everything: list[WrkResult] = []
        for n, connections in enumerate(self.config.connections):
            warm = self.config.warmup if n == 0 or self.config.warmup_every else 0
            for window, seconds in (("warmup", warm), ("measure", self.config.seconds)):
                if not seconds:
                    continue
                self._runs += 1
                start = offsets if offsets is not None else [0] * self.config.threads
                probe = CpuProbe([s.pgid for s in servers])
                result = run_wrk(target, connections=connections, seconds=seconds, threads=self.config.threads,
                                 tokens_dir=self.config.work_dir, tag=f"r{self._runs}-{uuid.uuid4().hex[:6]}",
                                 start=start)  # fmt: skip
                share = probe.finish()
                if offsets is not None:
                    offsets[:] = [a + b for a, b in zip(offsets, result.sent_per_thread, strict=True)]
                everything.append(result)
                if window == "measure":
                    self.measured.append(Measured(scenario, expected, result, share))
        return everything

    def _uvicorn(self, name: str, factory: str, env: dict[str, str]) -> Server:
        port = free_port()
        args = ["-m", "uvicorn", "--factory", factory, "--host", "127.0.0.1", "--port", str(port),
                "--workers", str(self.config.workers), *UVICORN_FLAGS]  # fmt: skip
        return start_server(name, args, env, port, self.config.work_dir, "/healthz")

    def ceiling(self) -> None:
        server = self._uvicorn("hello", "bench.http.hello:create_app", {})
        try:
            target = Target(server.url + PATH, self.sale.event_id, self.sale.show_id, self.sale.zone_id)
            self._load([server], target, "ceiling", 201)
        finally:
            server.stop()

    async def naive(self, dbs: Databases) -> None:
        dsn = await dbs.naive_db()
        await seed_naive(dsn, self.sale.zone_id)
        env = {"BENCH_NAIVE_DSN": dsn, "BENCH_JWT_PUBLIC_KEY": self.public_pem,
               "BENCH_NAIVE_POOL_MAX": str(NAIVE_POOL_MAX)}  # fmt: skip
        server = await asyncio.to_thread(self._uvicorn, "naive", "bench.http.naive:create_app", env)
        try:
            target = Target(server.url + PATH, self.sale.event_id, self.sale.show_id, self.sale.zone_id)
            results = await asyncio.to_thread(self._load, [server], target, "naive", 201)
        finally:
            server.stop()
        conn = await asyncpg.connect(dsn)
        try:
            rows = await conn.fetchval("SELECT count(*) FROM bookings")
            taken = await conn.fetchval("SELECT total_seats - available_seats FROM seat_zones")
        finally:
            await conn.close()
        self._check("naive peer", results, 201, {"bookings rows": rows, "seats decremented": taken})

    async def booking(self, dbs: Databases) -> None:
        booking_dsn, ticket_dsn = await dbs.service_db("booking_db"), await dbs.service_db("ticket_db")
        await seed_ticket(ticket_dsn, self.sale)
        prefix = f"brbench-{uuid.uuid4().hex[:10]}"
        engine = InventoryEngine(connect(self.config.redis_url, max_connections=8), key_prefix=prefix)
        try:
            await open_engine_sale(engine, self.sale)
            await self._booking_phases(engine, booking_dsn, ticket_dsn, prefix)
        finally:
            await delete_prefix(engine, prefix)
            await engine.redis.aclose()

    async def _booking_phases(self, engine: InventoryEngine, booking_dsn: str, ticket_dsn: str, prefix: str) -> None:
        common = {"BR_REDIS_URL": self.config.redis_url, "BR_ENGINE_KEY_PREFIX": prefix,
                  "BR_JWT_PUBLIC_KEY": self.public_pem}  # fmt: skip
        ticket_port, booking_port = free_port(), free_port()
        ticket = await asyncio.to_thread(
            start_server, "ticket", ["-m", "services.ticket"], {**common, "BR_TICKET_DB_DSN": ticket_dsn,
            "BR_TICKET_PORT": str(ticket_port), "BR_TICKET_WORKERS": "1"}, ticket_port, self.config.work_dir,
            "/readyz")  # fmt: skip
        try:
            env = {**common, "BR_BOOKING_DB_DSN": booking_dsn, "BR_BOOKING_PORT": str(booking_port),
                   "BR_BOOKING_WORKERS": str(self.config.workers), "BR_TICKET_URL": ticket.url}  # fmt: skip
            booking = await asyncio.to_thread(start_server, "booking", ["-m", "services.booking"], env, booking_port,
                                              self.config.work_dir, "/readyz")  # fmt: skip
            try:
                await self._reserve_and_sold_out(booking, booking_dsn)
            finally:
                booking.stop()  # graceful: queued group commits are written before the count below
        finally:
            ticket.stop()
        conn = await asyncpg.connect(booking_dsn)
        try:
            rows = await conn.fetchval("SELECT count(*) FROM bookings")
            outbox = await conn.fetchval("SELECT count(*) FROM outbox WHERE event_type = 'booking.reserved'")
        finally:
            await conn.close()
        held = (await engine.snapshot_event(self.sale.event_id))[self.sale.zone_id].reserved
        self._check(
            "booking-service reserve",
            self._reserve_results,
            201,
            {"bookings rows": rows, "booking.reserved outbox rows": outbox, "engine reserved seats": held},
        )
        reused = sum(r.wrapped for r in self._reserve_results)
        self.checks.append(f"- reserve: {reused} requests reused a user" + (" (pool too small)" if reused else ""))

    async def _reserve_and_sold_out(self, booking: Server, dsn: str) -> None:
        s = self.sale
        offsets = [0] * self.config.threads
        hot = Target(booking.url + PATH, s.event_id, s.show_id, s.zone_id)
        self._reserve_results = await asyncio.to_thread(self._load, [booking], hot, "reserve", 201, offsets)
        await asyncio.sleep(1.0)  # let the last in-flight group commits land
        rows_before, began = await _db_state(dsn)
        empty = Target(booking.url + PATH, s.event_id, s.show_id, s.empty_zone_id)
        results = await asyncio.to_thread(self._load, [booking], empty, "sold-out", 409)
        rows_after, _ = await _db_state(dsn)
        refused = sum(r.count(409) for r in results)
        # pg_stat_activity is live (table statistics are flushed up to 10 s late): the service's connections must
        # not have started a statement, nor a new connection been opened, since the sold-out phase began.
        last = await _last_activity(dsn)
        touched = last is not None and last >= began
        ok = rows_after == rows_before and not sum(r.count(201) for r in results) and not touched
        when = "never" if last is None else f"{(last - began).total_seconds():+.1f} s from the phase's start"
        self.checks.append(f"- sold-out: {refused} answers 409 over all windows; bookings rows {rows_before} before, "
                           f"{rows_after} after; the service's last statement in booking_db: {when} "
                           f"({'ok' if ok else 'FAILED'})")  # fmt: skip

    def _check(self, name: str, results: list[WrkResult], expected: int, found: dict[str, int]) -> None:
        """Each stored count must lie between the 201s wrk saw and 201s + requests in flight at wrk's stop."""
        ok = sum(r.count(expected) for r in results)
        in_flight = sum(r.sent - r.requests for r in results)
        lines = [f"{label} {n}" for label, n in found.items()]
        good = all(ok <= n <= ok + in_flight for n in found.values())
        self.checks.append(f"- {name}: {ok} answers {expected} over all windows (+{in_flight} unanswered at wrk's "
                           f"stop); {', '.join(lines)} ({'ok' if good else 'FAILED'})")  # fmt: skip


async def _db_state(dsn: str) -> tuple[int, datetime]:
    """Bookings rows, and the database's clock."""
    conn = await asyncpg.connect(dsn)
    try:
        row = await conn.fetchrow("SELECT count(*) AS n, clock_timestamp() AS now FROM bookings")
        assert row is not None
        return int(row["n"]), row["now"]
    finally:
        await conn.close()


async def _last_activity(dsn: str) -> datetime | None:
    """When another client connection to this database last started a statement or connected."""
    conn = await asyncpg.connect(dsn)
    try:
        last: datetime | None = await conn.fetchval(
            """SELECT max(greatest(state_change, backend_start)) FROM pg_stat_activity
               WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()"""
        )
        return last
    finally:
        await conn.close()
