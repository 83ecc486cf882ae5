"""Publishing commits ticket_db first; when Redis is down the caller gets 503 and a retried publish finishes."""

from __future__ import annotations

from collections.abc import Callable

import asyncpg
import httpx

from engine import InventoryEngine
from services.ticket import Settings, create_app
from tests.support.asgi import running_app
from tests.support.tokens import KeyPair
from tests.ticket.conftest import Tenant, ticket_env
from tests.ticket.support import API, build_catalog, ok, outbox

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused at once


async def test_publish_during_redis_outage_is_finished_by_a_retry(
    client: httpx.AsyncClient,
    make_tenant: Callable[[], Tenant],
    engine: InventoryEngine,
    db: asyncpg.Connection,
    ticket_dsn: str,
    key_prefix: str,
    jwt_keys: KeyPair,
) -> None:
    tenant = make_tenant()
    cat = await build_catalog(client, tenant.organizer)
    broken = Settings.from_env(ticket_env(ticket_dsn, DEAD_REDIS, key_prefix, jwt_keys))
    async with running_app(create_app(broken)) as outage:
        answer = await outage.post(f"{API}/events/{cat.event_id}/publish", headers=tenant.organizer)
        assert answer.status_code == 503 and answer.json()["error"]["code"] == "inventory_unavailable"
        ready = await outage.get("/readyz")
        assert ready.status_code == 503 and ready.json()["error"]["code"] == "not_ready"
        live = await outage.get(f"{API}/shows/{cat.show_id}/availability")
        assert live.status_code == 503
    # the database state and its event committed before Redis was touched
    assert await db.fetchval("SELECT status FROM events WHERE id = $1", cat.event_id) == "published"
    assert len(await outbox(db, "event.published")) == 1
    assert await engine.snapshot_show(cat.event_id, cat.show_id) == {}

    await ok(await client.post(f"{API}/events/{cat.event_id}/publish", headers=tenant.organizer))
    assert len(await engine.snapshot_show(cat.event_id, cat.show_id)) == 2
    assert len(await outbox(db, "event.published")) == 1
    ready = await ok(await client.get("/readyz"))
    assert ready["checks"] == {"database": "ok", "redis": "ok"}
