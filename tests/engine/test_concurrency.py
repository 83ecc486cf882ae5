"""Thousands of concurrent reservers in several processes on N seats sell exactly N."""

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from engine import InventoryEngine
from tests.engine.crowd import Crowd, run_crowd
from tests.engine.support import CLUSTER_URL, REDIS_URL, open_sale

SEATS, PROCESSES, PER_PROCESS = 500, 4, 1000


async def test_many_processes_never_oversell(engine: InventoryEngine, backend: str) -> None:
    sale = await open_sale(engine, SEATS, event={"max_tickets_per_user": None})
    crowds = [
        Crowd(CLUSTER_URL if backend == "cluster" else REDIS_URL, backend == "cluster", engine.keys.prefix,
              sale.tenant_id, sale.event_id, sale.show.show_id, sale.zone_id, PER_PROCESS, batched=i % 2 == 0)
        for i in range(PROCESSES)
    ]  # fmt: skip
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(PROCESSES, mp_context=multiprocessing.get_context("spawn")) as pool:
        granted = await asyncio.gather(*(loop.run_in_executor(pool, run_crowd, c) for c in crowds))
    holds = [h for batch in granted for h in batch]
    assert len(holds) == len(set(holds)) == SEATS
    snap = (await engine.snapshot_event(sale.event_id))[sale.zone_id]
    assert (snap.available, snap.reserved, snap.sold) == (0, SEATS, 0)
    assert await engine.redis.zcard(engine.keys.expiry(sale.event_id)) == SEATS
    assert await engine.is_sold_out(sale.event_id, sale.zone_id)
