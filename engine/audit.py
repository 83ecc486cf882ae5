"""Reads and repairs for the reconciler (sync/reconcile): the typed results of audit_event-3.lua and the
compare-and-set counter write. Services never call these; only the reconcile job does."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from engine.models import ZoneSnapshot

__all__ = ["AuditedHold", "EventAudit", "HoldRestore", "ZoneCounters", "parse_audit"]


@dataclass(frozen=True, slots=True)
class ZoneCounters:
    total: int
    available: int
    reserved: int
    sold: int

    @classmethod
    def of(cls, snap: ZoneSnapshot) -> "ZoneCounters":
        return cls(snap.total, snap.available, snap.reserved, snap.sold)


@dataclass(frozen=True, slots=True)
class HoldRestore:
    """One ``restore_hold`` call of a batch (``InventoryEngine.restore_holds``); ``payment_id`` set: confirmed."""

    tenant_id: str
    user_id: str
    event_id: str
    show_id: str
    zone_id: str
    quantity: int
    hold_id: str
    idempotency_key: str
    deadline_ms: int
    payment_id: str | None = None


@dataclass(frozen=True, slots=True)
class AuditedHold:
    """A member of the event's expiry index. ``state`` is "missing" when the index outlived the record."""

    hold_id: str
    state: str
    zone_id: str
    quantity: int
    deadline_ms: int
    created_ms: int


@dataclass(frozen=True, slots=True)
class EventAudit:
    """One atomic view of an event. ``anomalies``: hold id -> actual state ("missing" when absent) for every
    id the caller expected "held" or "confirmed" that is in another state."""

    zones: dict[str, ZoneSnapshot]
    indexed: dict[str, AuditedHold]
    anomalies: dict[str, str]


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _groups(flat: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [flat[i : i + size] for i in range(0, len(flat), size)]


def parse_audit(raw: Sequence[Any]) -> EventAudit:
    zones = {
        _text(z): ZoneSnapshot(_text(z), _text(s), int(t), int(a), int(r), int(d), _text(on) == "1")
        for z, s, t, a, r, d, on in _groups(raw[0], 7)
    }
    indexed = {
        _text(h): AuditedHold(_text(h), _text(st), _text(z), int(q), int(dl), int(cr))
        for h, st, z, q, dl, cr in _groups(raw[1], 6)
    }
    anomalies = {_text(h): _text(st) for h, st in _groups(raw[2], 2)}
    return EventAudit(zones, indexed, anomalies)
