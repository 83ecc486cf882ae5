"""Builders for booking tests: a sale opened in the engine and the matching catalog entry."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import asyncpg

from engine import EventSpec, InventoryEngine, ShowSpec, ZoneSpec

PRICE = Decimal("1500.00")


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass
class Sale:
    """One event, one show, two zones (A: 10 seats, max 4 per order; B: 2 seats); max 6 tickets per user."""

    tenant_id: str = field(default_factory=new_id)
    event_id: str = field(default_factory=new_id)
    show_id: str = field(default_factory=new_id)
    zone_id: str = field(default_factory=new_id)
    small_zone_id: str = field(default_factory=new_id)

    async def open(self, engine: InventoryEngine, *, booking_start_ms: int | None = None) -> None:
        event = EventSpec(self.event_id, self.tenant_id, max_tickets_per_user=6, booking_start_ms=booking_start_ms)
        show = ShowSpec(self.show_id, self.event_id)
        zones = [
            ZoneSpec(self.zone_id, self.show_id, total_seats=10, price=PRICE, max_per_order=4),
            ZoneSpec(self.small_zone_id, self.show_id, total_seats=2, price=Decimal("800.00"), max_per_order=4),
        ]
        await engine.open_sale(event, show, zones)

    def detail(self) -> dict[str, Any]:
        """ticket-service's public EventDetail JSON for this sale (the fields booking reads)."""
        zone = {"currency": "THB", "description": None, "total_seats": 10}
        return {
            "id": self.event_id,
            "tenant_id": self.tenant_id,
            "name": "Rush Live 2026",
            "venue_name": "Impact Arena",
            "status": "published",
            "shows": [
                {
                    "id": self.show_id,
                    "event_id": self.event_id,
                    "show_date": "2026-12-01",
                    "start_time": "19:30:00+07:00",
                    "zones": [
                        {**zone, "id": self.zone_id, "name": "VIP", "price": "1500.00"},
                        {**zone, "id": self.small_zone_id, "name": "Side", "price": "800.00"},
                    ],
                }
            ],
        }

    def body(self, quantity: int = 2, zone_id: str | None = None) -> dict[str, Any]:
        return {"event_id": self.event_id, "show_id": self.show_id, "zone_id": zone_id or self.zone_id,
                "quantity": quantity}  # fmt: skip


async def count(dsn: str, table: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        return int(await conn.fetchval(f"SELECT count(*) FROM {table}"))
    finally:
        await conn.close()


async def outbox_events(dsn: str, event_type: str | None = None) -> list[dict[str, Any]]:
    """Outbox payloads (full envelopes) in insertion order."""
    from services.shared.db import create_pool

    pool = await create_pool(dsn, min_size=1, max_size=1)
    try:
        rows = await pool.fetch("SELECT event_type, payload FROM outbox ORDER BY created_at, id")
    finally:
        await pool.close()
    return [dict(row["payload"]) for row in rows if event_type is None or row["event_type"] == event_type]
