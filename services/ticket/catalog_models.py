"""Request and response bodies for categories and events (pydantic v2; they also produce /openapi.json)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Self
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from services.ticket._validators import check_window, forbid_nulls
from services.ticket.show_models import ShowDetail

__all__ = [
    "CategoryCreate",
    "CategoryList",
    "CategoryOut",
    "CategoryUpdate",
    "EventCreate",
    "EventDetail",
    "EventOut",
    "EventPage",
    "EventQuery",
    "EventUpdate",
]

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=100)]
Name100 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Name255 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
Url = Annotated[str, StringConstraints(pattern=r"^https?://\S+$", max_length=2000)]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CategoryCreate(_Request):
    name: Name100
    slug: Slug | None = Field(default=None, description="generated from name when absent; unique per tenant")
    description: str | None = Field(default=None, max_length=5000)
    icon: str | None = Field(default=None, max_length=50)
    sort_order: int = Field(default=0, ge=-1_000_000, le=1_000_000)
    is_active: bool = True


class CategoryUpdate(_Request):
    name: Name100 | None = None
    slug: Slug | None = None
    description: str | None = Field(default=None, max_length=5000)
    icon: str | None = Field(default=None, max_length=50)
    sort_order: int | None = Field(default=None, ge=-1_000_000, le=1_000_000)
    is_active: bool | None = None

    @model_validator(mode="after")
    def _nulls(self) -> Self:
        forbid_nulls(self, ("name", "slug", "sort_order", "is_active"))
        return self


class CategoryOut(BaseModel):
    id: UUID
    tenant_id: UUID
    name: str
    slug: str
    description: str | None
    icon: str | None
    sort_order: int
    is_active: bool
    created_at: datetime
    updated_at: datetime


class CategoryList(BaseModel):
    items: list[CategoryOut]


class _EventFields(_Request):
    category_id: UUID | None = None
    description: str | None = Field(default=None, max_length=20000)
    short_description: str | None = Field(default=None, max_length=500)
    poster_url: Url | None = None
    banner_url: Url | None = None
    venue_name: str | None = Field(default=None, max_length=255)
    venue_address: str | None = Field(default=None, max_length=2000)
    city: str | None = Field(default=None, max_length=100)
    country: str | None = Field(default=None, max_length=100)
    latitude: Decimal | None = Field(default=None, ge=-90, le=90, max_digits=10, decimal_places=8)
    longitude: Decimal | None = Field(default=None, ge=-180, le=180, max_digits=11, decimal_places=8)
    booking_start_at: AwareDatetime | None = None
    booking_end_at: AwareDatetime | None = None


class EventCreate(_EventFields):
    name: Name255
    slug: Slug | None = Field(default=None, description="generated from name when absent; unique per tenant")
    gallery: list[Url] = Field(default_factory=list, max_length=50)
    max_tickets_per_user: int = Field(default=10, ge=1, le=1000)
    is_public: bool = True
    is_featured: bool = False
    settings: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _window(self) -> Self:
        check_window(self.booking_start_at, self.booking_end_at, "booking window")
        return self


class EventUpdate(_EventFields):
    """Omitted fields are unchanged. On a published event only presentation fields may change (409 otherwise)."""

    name: Name255 | None = None
    slug: Slug | None = None
    gallery: list[Url] | None = Field(default=None, max_length=50)
    max_tickets_per_user: int | None = Field(default=None, ge=1, le=1000)
    is_public: bool | None = None
    is_featured: bool | None = None
    settings: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _nulls(self) -> Self:
        forbid_nulls(self, ("name", "slug", "gallery", "max_tickets_per_user", "is_public", "is_featured", "settings"))
        return self


class EventOut(BaseModel):
    id: UUID
    tenant_id: UUID
    organizer_id: UUID
    category_id: UUID | None
    name: str
    slug: str
    description: str | None
    short_description: str | None
    poster_url: str | None
    banner_url: str | None
    gallery: list[Any]
    venue_name: str | None
    venue_address: str | None
    city: str | None
    country: str | None
    latitude: Decimal | None
    longitude: Decimal | None
    max_tickets_per_user: int | None
    booking_start_at: datetime | None
    booking_end_at: datetime | None
    status: str
    is_featured: bool
    is_public: bool
    settings: dict[str, Any]
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime


class EventDetail(EventOut):
    shows: list[ShowDetail]


class EventPage(BaseModel):
    items: list[EventOut]
    total: int
    limit: int
    offset: int


class EventQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tenant_id: UUID | None = None
    category_id: UUID | None = None
    city: str | None = Field(default=None, max_length=100)
    date_from: date | None = Field(default=None, description="only events with a show on/after this day")
    date_to: date | None = Field(default=None, description="only events with a show on/before this day")
    q: str | None = Field(default=None, max_length=200, description="case-insensitive text in name/description")
    limit: int = Field(default=20, ge=1, le=100)
    offset: int = Field(default=0, ge=0, le=100_000)
