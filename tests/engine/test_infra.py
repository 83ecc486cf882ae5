"""Script cache loss, pools that wait, micro-batching, the sold-out channel, the cluster script."""

import asyncio
import statistics
import subprocess
import time
from pathlib import Path

import pytest
from redis.asyncio import BlockingConnectionPool, Redis, RedisCluster

from engine import InventoryEngine, connect, connect_cluster
from engine.scripts import source
from tests.engine.conftest import EngineFactory
from tests.engine.support import CLUSTER_URL, REDIS_URL, open_sale

REPO = Path(__file__).resolve().parents[2]


async def test_script_flush_mid_run_is_survived(engine: InventoryEngine, redis: "Redis | RedisCluster") -> None:
    sale = await open_sale(engine, 100)
    await engine.reserve(sale.req())
    sha = redis.register_script(source("reserve_batch-5")).sha
    assert (await redis.script_exists(sha)) == [True]
    await redis.script_flush()
    assert (await redis.script_exists(sha)) == [False]
    holds = await asyncio.gather(*(engine.reserve(sale.req()) for _ in range(20)))  # NOSCRIPT -> reload
    await redis.script_flush()
    hold = await engine.reserve_unbatched(sale.req())
    await redis.script_flush()
    await engine.confirm(sale.event_id, hold.hold_id, "pay", sale.req().now_ms)
    assert len(holds) == 20 and (await engine.snapshot_event(sale.event_id))[sale.zone_id].available == 78


async def test_blocking_pool_of_two_serves_200_concurrent_calls(make_engine: EngineFactory, backend: str) -> None:
    client: Redis | RedisCluster = (
        connect(REDIS_URL, max_connections=2, timeout=20) if backend == "single" else connect_cluster(CLUSTER_URL, 2)
    )
    engine = await make_engine(client, own=True)
    sale = await open_sale(engine, 1000)
    holds = await asyncio.gather(*(engine.reserve_unbatched(sale.req()) for _ in range(200)))  # no batching
    assert len({h.hold_id for h in holds}) == 200
    if isinstance(client, Redis):
        pool = client.connection_pool
        assert isinstance(pool, BlockingConnectionPool)
        assert len(pool._available_connections) + len(pool._in_use_connections) <= 2
    else:
        assert all(len(node._connections) <= 2 for node in client.get_nodes())


async def test_concurrent_reserves_are_coalesced(engine: InventoryEngine) -> None:
    sale = await open_sale(engine, 1000)
    before = engine.batch_stats.round_trips
    holds = await asyncio.gather(*(engine.reserve(sale.req()) for _ in range(300)))
    trips = engine.batch_stats.round_trips - before
    assert len({h.hold_id for h in holds}) == 300 and holds[-1].remaining >= 700 - 1
    assert trips <= 4, trips  # 300 calls, batch_max 256: a couple of round trips, not 300
    assert engine.batch_stats.largest > 1


async def test_batches_are_bounded_by_batch_max(make_engine: EngineFactory) -> None:
    engine = await make_engine(batch_max=16)
    sale = await open_sale(engine, 1000)
    await asyncio.gather(*(engine.reserve(sale.req()) for _ in range(100)))
    assert engine.batch_stats.largest == 16 and engine.batch_stats.round_trips >= 7


async def test_batch_spanning_events_and_mixed_outcomes(engine: InventoryEngine) -> None:
    a, b = await open_sale(engine, 1), await open_sale(engine, 5)
    results = await asyncio.gather(
        engine.reserve(a.req()), engine.reserve(a.req()), engine.reserve(b.req()), return_exceptions=True
    )
    assert [type(r).__name__ for r in results] == ["Hold", "SoldOut", "Hold"]


async def test_lone_call_pays_no_batching_latency(engine: InventoryEngine) -> None:
    sale = await open_sale(engine, 10_000)

    async def median_ms(batched: bool) -> float:
        samples = []
        for _ in range(40):
            started = time.perf_counter()
            await (engine.reserve if batched else engine.reserve_unbatched)(sale.req())
            samples.append((time.perf_counter() - started) * 1000)
        return statistics.median(samples)

    await median_ms(True)  # warm up connections and the script cache
    before = engine.batch_stats.batches
    batched, unbatched = await median_ms(True), await median_ms(False)
    assert engine.batch_stats.batches - before == 40  # each lone call went out on its own, at once
    assert batched < unbatched + 1.0, (batched, unbatched)


async def test_sold_out_and_restock_are_published(single_redis: Redis, make_engine: EngineFactory) -> None:
    engine = await make_engine(single_redis)
    sale = await open_sale(engine, 1)
    async with single_redis.pubsub() as pubsub:
        await pubsub.subscribe(engine.keys.sold_out(sale.event_id))
        await pubsub.get_message(timeout=1.0)  # subscribe confirmation
        hold = await engine.reserve(sale.req())
        await engine.release(sale.event_id, hold.hold_id, "cancelled", 0)
        messages: list[str] = []
        while len(messages) < 2:
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=2.0)
            assert message is not None, messages
            messages.append(message["data"])
    assert messages == [f"sold_out:{sale.zone_id}", f"available:{sale.zone_id}"]


@pytest.mark.cluster
def test_cluster_script_is_idempotent_and_reports_ok() -> None:
    script = str(REPO / "deploy/local/redis-cluster.sh")
    up = subprocess.run([script, "up"], capture_output=True, text=True, timeout=60, check=False)
    assert up.returncode == 0 and "cluster_state:ok" in up.stdout, up.stderr
    status = subprocess.run([script, "status"], capture_output=True, text=True, timeout=30, check=False)
    assert status.returncode == 0 and "cluster_state: ok" in status.stdout
