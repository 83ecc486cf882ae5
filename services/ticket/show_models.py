"""Request and response bodies for shows, seat zones and live availability."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Annotated, Any, Literal, Self
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from services.ticket._validators import check_window, forbid_nulls

__all__ = [
    "AvailabilityOut",
    "ShowCreate",
    "ShowDetail",
    "ShowList",
    "ShowOut",
    "ShowUpdate",
    "ZoneAvailability",
    "ZoneCreate",
    "ZoneList",
    "ZoneOut",
    "ZoneUpdate",
]

Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Color = Annotated[str, StringConstraints(pattern=r"^#[0-9A-Fa-f]{6}$")]
Price = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ShowCreate(_Request):
    name: str | None = Field(default=None, max_length=255)
    show_date: date
    start_time: time = Field(description="local start time with UTC offset, e.g. 19:30:00+07:00 (UTC if none)")
    end_time: time | None = None
    doors_open_at: time | None = None
    sale_start_at: AwareDatetime | None = None
    sale_end_at: AwareDatetime | None = None
    settings: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> Self:
        check_window(self.sale_start_at, self.sale_end_at, "show sale window")
        return self


class ShowUpdate(_Request):
    """Omitted fields are unchanged. On a published event only name, end_time, doors_open_at and settings."""

    name: str | None = Field(default=None, max_length=255)
    show_date: date | None = None
    start_time: time | None = None
    end_time: time | None = None
    doors_open_at: time | None = None
    sale_start_at: AwareDatetime | None = None
    sale_end_at: AwareDatetime | None = None
    settings: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        forbid_nulls(self, ("show_date", "start_time", "settings"))
        return self


class ShowOut(BaseModel):
    id: UUID
    event_id: UUID
    name: str | None
    show_date: date
    start_time: time
    end_time: time | None
    doors_open_at: time | None
    status: str
    sale_start_at: datetime | None
    sale_end_at: datetime | None
    total_capacity: int
    reserved_count: int
    sold_count: int
    settings: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class ShowList(BaseModel):
    items: list[ShowOut]


class ZoneCreate(_Request):
    name: str = Field(min_length=1, max_length=100)
    description: str | None = Field(default=None, max_length=5000)
    color: Color | None = None
    price: Price
    currency: Currency = Field(default="THB", description="ISO 4217 code, upper case")
    total_seats: int = Field(ge=1, le=1_000_000, description="capacity; available starts equal to it")
    min_per_order: int = Field(default=1, ge=1, le=1000)
    max_per_order: int = Field(default=10, ge=1, le=1000)
    is_active: bool = True
    sort_order: int = Field(default=0, ge=-1_000_000, le=1_000_000)
    sale_start_at: AwareDatetime | None = None
    sale_end_at: AwareDatetime | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.min_per_order > self.max_per_order:
            raise ValueError("min_per_order must not exceed max_per_order")
        check_window(self.sale_start_at, self.sale_end_at, "zone sale window")
        return self


class ZoneUpdate(_Request):
    """Omitted fields are unchanged. On a published event only name, description, color, sort_order and
    attributes (409 ``event_published`` otherwise). total_seats never drops below sold + reserved."""

    name: str | None = Field(default=None, min_length=1, max_length=100)
    description: str | None = Field(default=None, max_length=5000)
    color: Color | None = None
    price: Price | None = None
    currency: Currency | None = None
    total_seats: int | None = Field(default=None, ge=1, le=1_000_000)
    min_per_order: int | None = Field(default=None, ge=1, le=1000)
    max_per_order: int | None = Field(default=None, ge=1, le=1000)
    is_active: bool | None = None
    sort_order: int | None = Field(default=None, ge=-1_000_000, le=1_000_000)
    sale_start_at: AwareDatetime | None = None
    sale_end_at: AwareDatetime | None = None
    attributes: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        forbid_nulls(
            self,
            (
                "name",
                "price",
                "currency",
                "total_seats",
                "min_per_order",
                "max_per_order",
                "is_active",
                "sort_order",
                "attributes",
            ),
        )
        return self


class ZoneOut(BaseModel):
    id: UUID
    show_id: UUID
    name: str
    description: str | None
    color: str | None
    price: Decimal = Field(description='decimal string, e.g. "1500.00"')
    currency: str
    total_seats: int
    available_seats: int
    reserved_seats: int
    sold_seats: int
    min_per_order: int
    max_per_order: int
    is_active: bool
    sort_order: int
    sale_start_at: datetime | None
    sale_end_at: datetime | None
    attributes: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class ZoneList(BaseModel):
    items: list[ZoneOut]


class ShowDetail(ShowOut):
    zones: list[ZoneOut]


class ZoneAvailability(BaseModel):
    zone_id: UUID
    name: str
    price: Decimal
    currency: str
    total: int
    available: int
    reserved: int
    sold: int
    active: bool
    sold_out: bool


class AvailabilityOut(BaseModel):
    show_id: UUID
    event_id: UUID
    source: Literal["redis", "database"] = Field(
        description="redis: live engine counters; database: ticket_db counts (the sale is not open in Redis)"
    )
    as_of: datetime
    zones: list[ZoneAvailability]
