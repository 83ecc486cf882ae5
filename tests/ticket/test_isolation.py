"""Tenant isolation and roles on every endpoint: another tenant's staff never read drafts or change anything;
customers and anonymous callers never mutate."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import asyncpg
import httpx

from tests.ticket.conftest import Tenant
from tests.ticket.support import API, SHOW_BODY, build_catalog, ok, zone_body


def _mutations(
    category_id: str, event_id: str, show_id: str, zone_id: str
) -> list[tuple[str, str, dict[str, Any] | None]]:
    return [
        ("PATCH", f"{API}/categories/{category_id}", {"name": "x"}),
        ("DELETE", f"{API}/categories/{category_id}", None),
        ("PATCH", f"{API}/events/{event_id}", {"name": "hijacked"}),
        ("POST", f"{API}/events/{event_id}/shows", SHOW_BODY),
        ("PATCH", f"{API}/shows/{show_id}", {"name": "hijacked"}),
        ("POST", f"{API}/shows/{show_id}/zones", zone_body()),
        ("PATCH", f"{API}/zones/{zone_id}", {"total_seats": 1}),
        ("POST", f"{API}/events/{event_id}/publish", None),
        ("POST", f"{API}/events/{event_id}/cancel", None),
        ("DELETE", f"{API}/events/{event_id}", None),
    ]


async def _snapshot(db: asyncpg.Connection) -> list[tuple[object, ...]]:
    rows = await db.fetch(
        """SELECT 'c', id, name, deleted_at::text, updated_at::text FROM categories
           UNION ALL SELECT 'e', id, name || status, deleted_at::text, updated_at::text FROM events
           UNION ALL SELECT 's', id, name, deleted_at::text, updated_at::text FROM shows
           UNION ALL SELECT 'z', id, name || total_seats, deleted_at::text, updated_at::text FROM seat_zones
           ORDER BY 1, 2"""
    )
    return [tuple(r) for r in rows]


async def test_other_tenant_cannot_read_drafts_or_change_anything(
    client: httpx.AsyncClient, make_tenant: Callable[[], Tenant], db: asyncpg.Connection
) -> None:
    owner, intruder = make_tenant(), make_tenant()
    category = await ok(await client.post(f"{API}/categories", json={"name": "Mine"}, headers=owner.organizer), 201)
    draft = await build_catalog(client, owner.organizer, zones=1)
    published = await build_catalog(client, owner.organizer, zones=1, publish=True, name="Public one")
    before = await _snapshot(db)
    outbox_before = await db.fetchval("SELECT count(*) FROM outbox")

    for headers in (intruder.organizer, intruder.admin):
        for cat in (draft, published):
            for method, url, body in _mutations(category["id"], cat.event_id, cat.show_id, cat.zone_ids[0]):
                answer = await client.request(method, url, json=body, headers=headers)
                assert answer.status_code == 404, (method, url, answer.text)
                assert answer.json()["error"]["code"].endswith("not_found")
        reads = [
            f"{API}/categories/{category['id']}",
            f"{API}/events/{draft.event_id}",
            f"{API}/events/{draft.event_id}/shows",
            f"{API}/shows/{draft.show_id}",
            f"{API}/shows/{draft.show_id}/zones",
            f"{API}/shows/{draft.show_id}/availability",
            f"{API}/zones/{draft.zone_ids[0]}",
        ]
        for url in reads:
            assert (await client.get(url, headers=headers)).status_code == 404, url
        listing = await ok(await client.get(f"{API}/categories", headers=headers))
        assert listing["items"] == []

    assert await _snapshot(db) == before
    assert await db.fetchval("SELECT count(*) FROM outbox") == outbox_before
    # the published event stays public for everybody, the intruder included
    public = [
        f"{API}/events/{published.event_id}",
        f"{API}/events/{published.event_id}/shows",
        f"{API}/shows/{published.show_id}",
        f"{API}/shows/{published.show_id}/zones",
        f"{API}/shows/{published.show_id}/availability",
        f"{API}/zones/{published.zone_ids[0]}",
    ]
    for url in public:
        assert (await client.get(url, headers=intruder.organizer)).status_code == 200, url
        assert (await client.get(url)).status_code == 200, url


async def test_customers_get_403_and_anonymous_401_on_every_mutation(
    client: httpx.AsyncClient, make_tenant: Callable[[], Tenant], db: asyncpg.Connection
) -> None:
    owner = make_tenant()
    category = await ok(await client.post(f"{API}/categories", json={"name": "Mine"}, headers=owner.organizer), 201)
    cat = await build_catalog(client, owner.organizer, zones=1)
    before = await _snapshot(db)
    creates = [("POST", f"{API}/categories", {"name": "c"}), ("POST", f"{API}/events", {"name": "e"})]
    staff_reads = [("GET", f"{API}/categories", None), ("GET", f"{API}/categories/{category['id']}", None)]
    every = _mutations(category["id"], cat.event_id, cat.show_id, cat.zone_ids[0]) + creates + staff_reads
    for method, url, body in every:
        customer = await client.request(method, url, json=body, headers=owner.customer)
        assert customer.status_code == 403 and customer.json()["error"]["code"] == "forbidden", (method, url)
        anonymous = await client.request(method, url, json=body)
        assert anonymous.status_code == 401, (method, url)
        forged = await client.request(method, url, json=body, headers={"Authorization": "Bearer not.a.jwt"})
        assert forged.status_code == 401 and forged.json()["error"]["code"] == "invalid_token"
    assert await _snapshot(db) == before
    # a customer of the owning tenant sees no drafts either
    assert (await client.get(f"{API}/events/{cat.event_id}", headers=owner.customer)).status_code == 404


async def test_staff_see_their_own_drafts(client: httpx.AsyncClient, make_tenant: Callable[[], Tenant]) -> None:
    owner = make_tenant()
    cat = await build_catalog(client, owner.organizer, zones=1)
    detail = await ok(await client.get(f"{API}/events/{cat.event_id}", headers=owner.admin))
    assert detail["status"] == "draft" and detail["shows"][0]["zones"][0]["id"] == cat.zone_ids[0]
    assert (await client.get(f"{API}/events/{cat.event_id}")).status_code == 404
    assert (await client.get(f"{API}/zones/{cat.zone_ids[0]}")).status_code == 404
