"""Compare one event's Redis view with booking_db and ticket_db; decide findings and the repair (pure function).

The model: the engine changes a hold's record and the zone counters in one script, and always BEFORE
booking-service commits the matching booking_db change. So when the two disagree in the direction of "Redis is
ahead" (hold confirmed/released in Redis, booking row still 'reserved'; a young hold whose row is not written
yet) the difference is in flight, not drift. booking_db decides which holds must exist; the counters must then
be exactly what those holds imply: reserved = seats of held holds, sold = seats of confirmed bookings,
available = ticket_db.total_seats - reserved - sold.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from engine import EventAudit, ZoneCounters
from sync.reconcile.findings import Finding, Kind
from sync.reconcile.sources import BookingState, HoldRef, TicketZone

__all__ = ["EventPlan", "analyze"]

_GIVEN_BACK = frozenset({"released", "expired", "refunded"})


@dataclass(slots=True)
class EventPlan:
    event_id: str
    findings: list[Finding] = field(default_factory=list)
    drops: list[str] = field(default_factory=list)  # held holds to withdraw (orphans, finished bookings)
    restore_held: list[str] = field(default_factory=list)
    restore_confirmed: list[str] = field(default_factory=list)
    current: dict[str, ZoneCounters] = field(default_factory=dict)
    targets: dict[str, ZoneCounters] = field(default_factory=dict)
    missing_zones: list[str] = field(default_factory=list)
    uncertain_zones: set[str] = field(default_factory=set)
    in_flight: int = 0

    @property
    def drift(self) -> bool:
        return any(not f.soft for f in self.findings)

    @property
    def hold_repairs(self) -> bool:
        return bool(self.drops or self.restore_held or self.restore_confirmed)


@dataclass(slots=True)
class _Tally:
    reserved: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    sold: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))


def analyze(
    event_id: str,
    zones: Iterable[TicketZone],
    booking: BookingState,
    audit: EventAudit,
    *,
    now_ms: int,
    grace_ms: int,
    audit_ms: int,
    audited_ids: set[str] | None = None,
    statuses_known: bool = False,
) -> EventPlan:
    """``audited_ids``: the ids whose state the audit was asked for (None: every booking_db id was). Ids booked
    after ``audit_ms`` are ignored (not in the audited counters yet). ``statuses_known``: ``booking.other`` has
    the status of every indexed hold without a reserved/confirmed row, so a hold absent from all three has no
    booking row at all (otherwise such a hold is only a candidate, verified later)."""
    plan = EventPlan(event_id)
    tally = _Tally()
    _indexed(plan, tally, booking, audit, now_ms, grace_ms, statuses_known)
    _reserved(plan, tally, booking, audit, now_ms, grace_ms, audit_ms, audited_ids)
    _confirmed(plan, tally, booking, audit, audit_ms, audited_ids)
    _counters(plan, tally, zones, audit)
    return plan


def _indexed(
    plan: EventPlan,
    tally: _Tally,
    booking: BookingState,
    audit: EventAudit,
    now_ms: int,
    grace_ms: int,
    statuses_known: bool,
) -> None:
    for hold in audit.indexed.values():
        if hold.state != "held":
            continue  # a stale index entry: expire_due drops it; a lost record shows up via booking_db below
        tally.reserved[hold.zone_id] += hold.quantity
        hid = hold.hold_id
        if hid in booking.reserved:
            continue
        if hid in booking.confirmed:
            plan.findings.append(
                Finding(
                    Kind.HOLD_STATE_MISMATCH,
                    plan.event_id,
                    hold.zone_id,
                    hid,
                    details={"booking": "confirmed", "redis": "held"},
                )
            )
            continue
        status = booking.other.get(hid)
        if status is not None and status != "reserved":
            plan.findings.append(
                Finding(Kind.STALE_HOLD, plan.event_id, hold.zone_id, hid, details={"booking": status})
            )
            plan.drops.append(hid)
        elif hold.created_ms > now_ms - grace_ms:
            plan.in_flight += 1  # booking-service writes the row right after reserving: give it time
        else:
            details = {"age_s": round((now_ms - hold.created_ms) / 1000, 1), "quantity": hold.quantity}
            if not statuses_known:
                details["unverified"] = True
            plan.findings.append(Finding(Kind.ORPHAN_HOLD, plan.event_id, hold.zone_id, hid, details=details))
            plan.drops.append(hid)


def _unknown(ref: HoldRef, hid: str, audit: EventAudit, audit_ms: int, audited: set[str] | None) -> bool | None:
    """None: booked after the audit (ignore). True: state at audit time unknown. False: the audit saw it."""
    if audited is None or hid in audited or hid in audit.indexed:
        return False
    return None if ref.reserved_ms > audit_ms else True


def _reserved(
    plan: EventPlan,
    tally: _Tally,
    booking: BookingState,
    audit: EventAudit,
    now_ms: int,
    grace_ms: int,
    audit_ms: int,
    audited: set[str] | None,
) -> None:
    for hid, ref in booking.reserved.items():
        unknown = _unknown(ref, hid, audit, audit_ms, audited)
        if unknown is None:
            continue
        if unknown:
            plan.uncertain_zones.add(ref.zone_id)
            continue
        state = audit.anomalies.get(hid, "held")
        if state == "held":
            if hid not in audit.indexed:
                tally.reserved[ref.zone_id] += ref.quantity
                plan.findings.append(Finding(Kind.HOLD_NOT_INDEXED, plan.event_id, ref.zone_id, hid))
        elif state == "confirmed":
            plan.in_flight += 1  # paid in Redis, booking_db's commit still to come
            tally.sold[ref.zone_id] += ref.quantity
        elif state in _GIVEN_BACK:
            if ref.deadline_ms < now_ms - grace_ms:
                plan.findings.append(
                    Finding(Kind.BOOKING_NOT_FINISHED, plan.event_id, ref.zone_id, hid, details={"redis": state})
                )
            else:
                plan.in_flight += 1
        elif ref.deadline_ms > now_ms:  # missing, still live: booking_db says these seats are held
            tally.reserved[ref.zone_id] += ref.quantity
            plan.findings.append(
                Finding(
                    Kind.HOLD_MISSING,
                    plan.event_id,
                    ref.zone_id,
                    hid,
                    details={"quantity": ref.quantity, "deadline_ms": ref.deadline_ms},
                )
            )
            plan.restore_held.append(hid)
        else:
            plan.findings.append(Finding(Kind.EXPIRED_HOLD_MISSING, plan.event_id, ref.zone_id, hid))


def _confirmed(
    plan: EventPlan, tally: _Tally, booking: BookingState, audit: EventAudit, audit_ms: int, audited: set[str] | None
) -> None:
    for hid, ref in booking.confirmed.items():
        unknown = _unknown(ref, hid, audit, audit_ms, audited)
        if unknown is None:
            continue
        if unknown:
            plan.uncertain_zones.add(ref.zone_id)
            continue
        state = audit.anomalies.get(hid, "confirmed")
        if state == "confirmed":
            tally.sold[ref.zone_id] += ref.quantity
        elif state == "missing":
            tally.sold[ref.zone_id] += ref.quantity
            plan.findings.append(Finding(Kind.CONFIRMED_HOLD_MISSING, plan.event_id, ref.zone_id, hid))
            plan.restore_confirmed.append(hid)
        elif state == "refunded":
            plan.in_flight += 1  # refund done in Redis, booking_db's cancel still to commit
        elif state in _GIVEN_BACK:
            # booking_db (the source of truth) says sold: keep counting the seats as sold, never resell them.
            tally.sold[ref.zone_id] += ref.quantity
            plan.findings.append(
                Finding(
                    Kind.HOLD_STATE_MISMATCH,
                    plan.event_id,
                    ref.zone_id,
                    hid,
                    details={"booking": "confirmed", "redis": state},
                )
            )
        # "held": counted as reserved by _indexed, which reported the mismatch


def _counters(plan: EventPlan, tally: _Tally, zones: Iterable[TicketZone], audit: EventAudit) -> None:
    for zone in zones:
        snap = audit.zones.get(zone.zone_id)
        if snap is None:
            plan.missing_zones.append(zone.zone_id)
            plan.findings.append(Finding(Kind.SALE_MISSING, plan.event_id, zone.zone_id))
            continue
        current = ZoneCounters.of(snap)
        reserved, sold = tally.reserved[zone.zone_id], tally.sold[zone.zone_id]
        target = ZoneCounters(zone.total, zone.total - reserved - sold, reserved, sold)
        plan.current[zone.zone_id], plan.targets[zone.zone_id] = current, target
        if zone.zone_id in plan.uncertain_zones:
            continue
        if current.total != target.total:
            plan.findings.append(
                Finding(
                    Kind.TOTAL_MISMATCH,
                    plan.event_id,
                    zone.zone_id,
                    details={"redis": current.total, "ticket_db": target.total},
                )
            )
        if (current.available, current.reserved, current.sold) != (target.available, target.reserved, target.sold):
            plan.findings.append(
                Finding(
                    Kind.COUNTERS_MISMATCH,
                    plan.event_id,
                    zone.zone_id,
                    details={"redis": _dict(current), "expected": _dict(target)},
                )
            )
        if target.available < 0:
            plan.findings.append(Finding(Kind.OVERSOLD, plan.event_id, zone.zone_id, details=_dict(target)))


def _dict(c: ZoneCounters) -> dict[str, int]:
    return {"total": c.total, "available": c.available, "reserved": c.reserved, "sold": c.sold}
