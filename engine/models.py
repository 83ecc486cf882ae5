"""Plain data passed into and out of the engine. Times are epoch milliseconds; ``None`` bounds are open."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

DEFAULT_HOLD_TTL_MS = 600_000
ReleaseReason = Literal["cancelled", "payment_failed"]


@dataclass(frozen=True, slots=True)
class EventSpec:
    """The booking rules of a ticket_db ``events`` row."""

    event_id: str
    tenant_id: str
    max_tickets_per_user: int | None = 10  # None: no per-user limit
    booking_start_ms: int | None = None
    booking_end_ms: int | None = None


@dataclass(frozen=True, slots=True)
class ShowSpec:
    """The sale window of a ticket_db ``shows`` row."""

    show_id: str
    event_id: str
    sale_start_ms: int | None = None
    sale_end_ms: int | None = None


@dataclass(frozen=True, slots=True)
class ZoneSpec:
    """A ticket_db ``seat_zones`` row. ``held_seats`` is only read by a rebuild (seats in active holds)."""

    zone_id: str
    show_id: str
    total_seats: int
    price: Decimal
    min_per_order: int = 1
    max_per_order: int = 10
    is_active: bool = True
    sale_start_ms: int | None = None
    sale_end_ms: int | None = None
    sold_seats: int = 0
    held_seats: int = 0


@dataclass(frozen=True, slots=True)
class ReserveRequest:
    tenant_id: str
    user_id: str
    event_id: str
    show_id: str
    zone_id: str
    quantity: int
    hold_id: str
    idempotency_key: str
    now_ms: int
    hold_ttl_ms: int = DEFAULT_HOLD_TTL_MS


@dataclass(frozen=True, slots=True)
class Hold:
    """A granted reservation. ``replayed``: the idempotency key was seen; this is the original hold."""

    hold_id: str
    zone_id: str
    quantity: int
    remaining: int
    deadline_ms: int
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class Confirmation:
    """``replayed``: the hold was already confirmed with the same payment id (idempotent success)."""

    hold_id: str
    zone_id: str
    quantity: int
    replayed: bool


@dataclass(frozen=True, slots=True)
class ReleasedHold:
    """``refunded``: the hold had been confirmed, so its seats came back from ``sold``."""

    hold_id: str
    zone_id: str
    quantity: int
    user_id: str
    refunded: bool


@dataclass(frozen=True, slots=True)
class ExpiredHold:
    event_id: str
    hold_id: str
    zone_id: str
    quantity: int
    user_id: str


@dataclass(frozen=True, slots=True)
class ZoneSnapshot:
    zone_id: str
    show_id: str
    total: int
    available: int
    reserved: int
    sold: int
    active: bool
