"""Throw-away databases and a private Redis for the reconcile benchmark, and the generated data set.

Everything is generated inside PostgreSQL (generate_series, ids = md5-derived UUIDs) so 1M bookings load in
seconds; Redis is then filled by the real rebuild job, which is also timed.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import tempfile
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg

from deploy.migrate import apply_migrations

__all__ = ["Shape", "generate", "private_redis", "scratch_databases"]


@dataclass(frozen=True, slots=True)
class Shape:
    events: int = 1000
    zones_per_event: int = 10
    bookings_per_zone: int = 100
    confirmed_share: float = 0.9  # the rest are active holds (reserved, deadline in 10 min)

    @property
    def zones(self) -> int:
        return self.events * self.zones_per_event

    @property
    def bookings(self) -> int:
        return self.zones * self.bookings_per_zone


def _dsn(admin_dsn: str, database: str, name: str) -> str:
    """The service role's DSN (same host as the admin DSN) for a scratch copy of ``database``."""
    role = database.removesuffix("_db")
    host = admin_dsn.split("@", 1)[1].rsplit("/", 1)[0]
    return f"postgresql://{role}_svc:{role}_svc_pw@{host}/{name}"


@contextlib.asynccontextmanager
async def scratch_databases(admin_dsn: str) -> AsyncIterator[dict[str, str]]:
    """bench ticket_db + booking_db, owned by the service roles and migrated; dropped afterwards."""
    tag = uuid.uuid4().hex[:8]
    names = {db: f"bench_{db.removesuffix('_db')}_{tag}" for db in ("ticket_db", "booking_db")}
    admin = await asyncpg.connect(admin_dsn)
    try:
        dsns: dict[str, str] = {}
        for db, name in names.items():
            await admin.execute(f'CREATE DATABASE "{name}" OWNER "{db.removesuffix("_db")}_svc"')
            dsns[db] = _dsn(admin_dsn, db, name)
            await apply_migrations(dsns[db], db, log=False)
        yield dsns
    finally:
        for name in names.values():
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@contextlib.asynccontextmanager
async def private_redis() -> AsyncIterator[str]:
    """A redis-server of our own (no persistence) so 1M hold records never touch the shared Redis."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    with tempfile.TemporaryDirectory() as directory:
        proc = await asyncio.create_subprocess_exec(
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            directory,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        try:
            for _ in range(100):
                try:
                    _, writer = await asyncio.open_connection("127.0.0.1", port)
                    writer.close()
                    break
                except OSError:
                    await asyncio.sleep(0.05)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            proc.terminate()
            await proc.wait()


_UUID = "md5({0})::uuid"
_EVENTS = f"""
INSERT INTO events (id, tenant_id, organizer_id, name, slug, status, max_tickets_per_user, published_at)
SELECT {_UUID.format("'e' || e")}, {_UUID.format("'tenant'")}, {_UUID.format("'org'")}, 'E' || e, 'e-' || e,
       'published', 1000000, NOW()
FROM generate_series(0, $1::int - 1) e
"""
_SHOWS = f"""
INSERT INTO shows (id, event_id, show_date, start_time)
SELECT {_UUID.format("'s' || e")}, {_UUID.format("'e' || e")}, '2030-01-01', '20:00+07'
FROM generate_series(0, $1::int - 1) e
"""
_ZONES = f"""
INSERT INTO seat_zones (id, show_id, name, price, total_seats, available_seats, reserved_seats, sold_seats,
                        max_per_order)
SELECT {_UUID.format("'z' || z")}, {_UUID.format("'s' || (z / $2::int)")}, 'Z' || z, 100, $3::int * 2, $3::int,
       $3::int - $4::int, $4::int, 10
FROM generate_series(0, $1::int * $2::int - 1) z
"""
_BOOKINGS = f"""
INSERT INTO bookings (id, tenant_id, user_id, event_id, show_id, zone_id, event_name, show_date, show_time, zone_name,
                      quantity, unit_price, total_amount, status, idempotency_key, payment_id, reserved_at,
                      reservation_expires_at, confirmed_at, created_at, updated_at)
SELECT {_UUID.format("'b' || z || '-' || j")}, {_UUID.format("'tenant'")}, {_UUID.format("'u' || z || '-' || j")},
       {_UUID.format("'e' || (z / $2::int)")}, {_UUID.format("'s' || (z / $2::int)")}, {_UUID.format("'z' || z")}, 'E',
       '2030-01-01', '20:00+07', 'Z', 1, 100, 100, CASE WHEN j < $4::int THEN 'confirmed' ELSE 'reserved' END,
       {_UUID.format("'u' || z || '-' || j")}::text || ':k',
       CASE WHEN j < $4::int THEN {_UUID.format("'p' || z || '-' || j")} END,
       NOW() - interval '2 minutes', NOW() + interval '10 minutes', CASE WHEN j < $4::int THEN NOW() END,
       NOW() - interval '2 minutes', NOW() - interval '2 minutes'
FROM generate_series(0, $1::int * $2::int - 1) z, generate_series(0, $3::int - 1) j
"""


async def generate(dsns: dict[str, str], shape: Shape) -> None:
    """Zones have 2x bookings_per_zone seats: sold + held fill half; ticket_db counts agree with booking_db."""
    confirmed = int(shape.bookings_per_zone * shape.confirmed_share)
    ticket = await asyncpg.connect(dsns["ticket_db"])
    try:
        await ticket.execute(_EVENTS, shape.events)
        await ticket.execute(_SHOWS, shape.events)
        await ticket.execute(_ZONES, shape.events, shape.zones_per_event, shape.bookings_per_zone, confirmed)
    finally:
        await ticket.close()
    booking = await asyncpg.connect(dsns["booking_db"])
    try:
        await booking.execute(_BOOKINGS, shape.events, shape.zones_per_event, shape.bookings_per_zone, confirmed)
        await booking.execute("ANALYZE bookings")
    finally:
        await booking.close()
