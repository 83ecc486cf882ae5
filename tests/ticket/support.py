"""Builders for ticket-service tests: a draft event with one show and zones, through the real API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import orjson

API = "/api/v1"
EVENT_BODY: dict[str, Any] = {
    "name": "Rock Night 2026",
    "venue_name": "Impact Arena",
    "city": "Bangkok",
    "country": "TH",
    "short_description": "The loudest night of the year",
    "max_tickets_per_user": 4,
}
SHOW_BODY: dict[str, Any] = {
    "name": "Night 1",
    "show_date": "2026-12-31",
    "start_time": "19:30:00+07:00",
    "sale_start_at": "2026-01-01T00:00:00+00:00",
    "sale_end_at": "2026-12-31T12:00:00+00:00",
}


def zone_body(name: str = "VIP", seats: int = 100, price: str = "2500.00", **extra: Any) -> dict[str, Any]:
    return {"name": name, "price": price, "currency": "THB", "total_seats": seats, "max_per_order": 4, **extra}


@dataclass(frozen=True)
class Catalog:
    event_id: str
    show_id: str
    zone_ids: list[str]


async def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


async def build_catalog(
    client: httpx.AsyncClient, headers: dict[str, str], *, zones: int = 2, publish: bool = False, name: str = ""
) -> Catalog:
    body = {**EVENT_BODY, "name": name or EVENT_BODY["name"]}
    event = await ok(await client.post(f"{API}/events", json=body, headers=headers), 201)
    show = await ok(await client.post(f"{API}/events/{event['id']}/shows", json=SHOW_BODY, headers=headers), 201)
    zone_ids = []
    for n in range(zones):
        body = zone_body(f"Zone {n}", seats=10 * (n + 1), price=f"{1000 + n}.50")
        zone = await ok(await client.post(f"{API}/shows/{show['id']}/zones", json=body, headers=headers), 201)
        zone_ids.append(zone["id"])
    if publish:
        await ok(await client.post(f"{API}/events/{event['id']}/publish", headers=headers))
    return Catalog(event["id"], show["id"], zone_ids)


async def outbox(db: asyncpg.Connection, event_type: str | None = None) -> list[dict[str, Any]]:
    rows = await db.fetch(
        "SELECT event_type, topic, partition_key, payload::text AS payload FROM outbox"
        " WHERE $1::text IS NULL OR event_type = $1 ORDER BY created_at",
        event_type,
    )
    return [{**dict(r), "payload": orjson.loads(r["payload"])} for r in rows]
