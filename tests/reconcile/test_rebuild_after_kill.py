"""A private redis-server is SIGKILLed mid-sale and restarted empty on the same port; rebuild restores the sale
from the databases and the sale continues: no seat sold twice, no hold booking_db recorded is lost.
(Never the shared Redis on 6379: other tests use it.)"""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from engine import InventoryEngine, ReserveRequest, SoldOut, connect
from sync.rebuild import rebuild
from tests.reconcile.support import Rig, now_ms


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrivateRedis:
    def __init__(self, directory: Path) -> None:
        self.port, self.dir = _free_port(), directory
        self.proc: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        argv = [
            "redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.dir),
        ]
        self.proc = await asyncio.create_subprocess_exec(
            *argv, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
        )
        client = Redis.from_url(self.url)
        try:
            for _ in range(100):
                try:
                    await client.ping()
                    return
                except (OSError, RedisConnectionError):
                    await asyncio.sleep(0.05)
            raise RuntimeError("private redis-server did not start")
        finally:
            await client.aclose()

    async def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()  # SIGKILL: no shutdown save, nothing survives (persistence is off)
        await asyncio.wait_for(self.proc.wait(), timeout=10)


@pytest.fixture
async def private_redis(tmp_path: Path) -> AsyncIterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    await server.start()
    try:
        yield server
    finally:
        if server.proc is not None and server.proc.returncode is None:
            await server.kill()


async def test_sale_survives_redis_sigkill_through_rebuild(rig: Rig, private_redis: PrivateRedis) -> None:
    client = connect(private_redis.url, max_connections=16)
    rig.engine = InventoryEngine(client, key_prefix="br")
    try:
        sale = await rig.sale(zones=2, seats=12, max_per_user=4)
        zone = sale.zone_ids[0]
        user = str(uuid.uuid4())
        held = await rig.reserve(sale, zone, 3, user_id=user)
        paid = await rig.reserve(sale, zone, 4)
        await rig.confirm(sale, paid)
        await rig.reserve(sale, sale.zone_ids[1], 2)
        key = await rig.booking_pool.fetchval("SELECT idempotency_key FROM bookings WHERE id = $1", held)

        await private_redis.kill()
        await private_redis.start()
        await client.aclose()  # its pooled sockets died with the server; rebuild runs as a fresh process would
        client = connect(private_redis.url, max_connections=16)
        rig.engine = InventoryEngine(client, key_prefix="br")
        assert await client.dbsize() == 0
        summary = await rebuild(rig.engine, rig.ticket_pool, rig.booking_pool)

        assert (summary.events, summary.zones, summary.held, summary.confirmed) == (1, 2, 2, 1)
        await rig.assert_consistent(sale)
        retry = ReserveRequest(
            rig.tenant_id, user, sale.event_id, sale.show_id, zone, 3, str(uuid.uuid4()), key, now_ms()
        )
        assert (await rig.engine.reserve(retry)).hold_id == held  # idempotent retry still gets its hold
        with pytest.raises(Exception, match="limit_exceeded"):  # per-user total restored: 3 held + 2 > 4
            await rig.engine.reserve(
                ReserveRequest(
                    rig.tenant_id, user, sale.event_id, sale.show_id, zone, 2, str(uuid.uuid4()), f"{user}:x", now_ms()
                )
            )
        # The sale continues to the last seat: exactly the 12 - 3 - 4 = 5 seats that were free get sold.
        sold_after = 0
        while True:
            try:
                await rig.reserve(sale, zone, 1)
            except SoldOut:
                break
            sold_after += 1
        assert sold_after == 5
        assert (await rig.engine.release(sale.event_id, paid, "cancelled")).refunded  # a refund still works
        await rig.booking_pool.execute("UPDATE bookings SET status = 'cancelled' WHERE id = $1", paid)
        await rig.assert_consistent(sale)
    finally:
        await client.aclose()
