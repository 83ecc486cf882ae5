"""Request, query and response bodies of the booking API (pydantic v2; they also generate /openapi.json)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

__all__ = ["BookingList", "BookingOut", "ListQuery", "ReserveBody", "Status", "booking_out"]

Status = Literal["reserved", "confirmed", "cancelled", "expired"]


class ReserveBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event_id: uuid.UUID
    show_id: uuid.UUID
    zone_id: uuid.UUID
    # Bounds are the zone's min/max per order, enforced by the engine (422 invalid_quantity).
    quantity: StrictInt = Field(description="seats to hold; between the zone's min_per_order and max_per_order")


class ListQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0, le=100_000)


class BookingOut(BaseModel):
    id: uuid.UUID
    tenant_id: uuid.UUID
    user_id: uuid.UUID
    event_id: uuid.UUID
    show_id: uuid.UUID
    zone_id: uuid.UUID
    event_name: str
    show_date: date
    show_time: str = Field(description="local start time with UTC offset, e.g. 19:30:00+07:00")
    zone_name: str
    venue_name: str | None
    quantity: int
    unit_price: str = Field(description="decimal string, e.g. '1500.00'")
    total_amount: str = Field(description="decimal string, unit_price x quantity")
    currency: str
    status: Status
    status_reason: str | None
    confirmation_code: str
    payment_id: uuid.UUID | None
    reserved_at: datetime
    expires_at: datetime = Field(description="hold deadline: pay before this or the seats go back")
    confirmed_at: datetime | None
    cancelled_at: datetime | None


class BookingList(BaseModel):
    items: list[BookingOut]
    limit: int
    offset: int
    next_offset: int | None = Field(description="offset of the next page; null on the last page")


def booking_out(row: dict[str, Any], *, as_created: bool = False) -> BookingOut:
    """Render a bookings row. ``as_created``: the booking exactly as the original 201 showed it (for idempotent
    replays): creation-time fields are immutable, so this reproduces the first response byte for byte."""
    later = not as_created
    return BookingOut(
        id=row["id"],
        tenant_id=row["tenant_id"],
        user_id=row["user_id"],
        event_id=row["event_id"],
        show_id=row["show_id"],
        zone_id=row["zone_id"],
        event_name=row["event_name"],
        show_date=row["show_date"],
        show_time=row["show_time"].isoformat(),
        zone_name=row["zone_name"],
        venue_name=row["venue_name"],
        quantity=row["quantity"],
        unit_price=str(row["unit_price"]),
        total_amount=str(row["total_amount"]),
        currency=row["currency"],
        status=row["status"] if later else "reserved",
        status_reason=row["status_reason"] if later else None,
        confirmation_code=row["confirmation_code"],
        payment_id=row["payment_id"] if later else None,
        reserved_at=row["reserved_at"],
        expires_at=row["reservation_expires_at"],
        confirmed_at=row["confirmed_at"] if later else None,
        cancelled_at=row["cancelled_at"] if later else None,
    )
