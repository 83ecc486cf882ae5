"""In-process cache of what a booking snapshots from the catalog (event name, venue, show date/time, zone name,
price, currency), so a reservation never waits on ticket-service.

Filled on a miss through ``TicketClient`` (one fetch per event, however many requests miss at once: single-flight),
kept ``ttl_s``, then served stale while ONE background refresh runs (stale-while-revalidate), so a flash-sale spike
costs ticket-service one request per event per minute. Unknown events are remembered briefly (negative caching) so
a flood of bogus ids does not become a flood of fetches. ``put``/``apply_event`` let tests and a Kafka feed
(``event.published`` carries the full event with shows and zones) prime the cache without HTTP.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from datetime import time as dtime
from decimal import Decimal
from typing import Any

from services.booking.ticket_client import TicketClient, TicketUnavailable
from services.shared.envelope import EventEnvelope

__all__ = ["Catalog", "CatalogUnavailable", "EventInfo", "ZoneInfo", "parse_event"]

log = logging.getLogger("booking.catalog")


class CatalogUnavailable(Exception):
    """The event is not cached and ticket-service cannot be asked right now."""


@dataclass(frozen=True, slots=True)
class ZoneInfo:
    event_id: str
    tenant_id: str
    event_name: str
    venue_name: str | None
    show_id: str
    show_date: date
    show_time: dtime
    zone_id: str
    zone_name: str
    price: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class EventInfo:
    event_id: str
    zones: dict[str, ZoneInfo] = field(default_factory=dict)  # by zone id
    missing: bool = False  # ticket-service said 404


def _id(obj: dict[str, Any], name: str) -> str:
    # The REST detail says "id"; the event.published payload says "event_id" / "show_id" / "zone_id".
    value = obj.get("id", obj.get(name))
    if value is None:
        raise KeyError(name)
    return str(value)


def parse_event(raw: dict[str, Any]) -> EventInfo:
    """ticket-service's EventDetail JSON (event fields + ``shows[].zones[]``) or its ``event.published`` data.
    Raises ValueError if malformed."""
    try:
        event_id, tenant_id = _id(raw, "event_id"), str(raw["tenant_id"])
        zones: dict[str, ZoneInfo] = {}
        for show in raw.get("shows") or []:
            show_date = date.fromisoformat(str(show["show_date"]))
            show_time = dtime.fromisoformat(str(show["start_time"]))
            for zone in show.get("zones") or []:
                zone_id = _id(zone, "zone_id")
                zones[zone_id] = ZoneInfo(
                    event_id=event_id,
                    tenant_id=tenant_id,
                    event_name=str(raw["name"]),
                    venue_name=raw.get("venue_name"),
                    show_id=_id(show, "show_id"),
                    show_date=show_date,
                    show_time=show_time,
                    zone_id=zone_id,
                    zone_name=str(zone["name"]),
                    price=Decimal(str(zone["price"])).quantize(Decimal("0.01")),
                    currency=str(zone.get("currency") or "THB"),
                )
    except (KeyError, TypeError, ArithmeticError) as exc:
        raise ValueError(f"malformed event detail: {type(exc).__name__}: {exc}") from None
    return EventInfo(event_id, zones)


@dataclass(slots=True)
class _Entry:
    info: EventInfo
    stored_at: float


class Catalog:
    def __init__(
        self,
        client: TicketClient | None,
        *,
        ttl_s: float = 60.0,
        negative_ttl_s: float = 5.0,
        refetch_after_s: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._ttl_s = ttl_s
        self._negative_ttl_s = negative_ttl_s
        # A zone missing from a cached event may have been added since: refetch, but not more often than this.
        self._refetch_after_s = refetch_after_s
        self._clock = clock
        self._entries: dict[str, _Entry] = {}
        self._inflight: dict[str, asyncio.Task[EventInfo]] = {}

    def put(self, info: EventInfo | dict[str, Any]) -> None:
        event = parse_event(info) if isinstance(info, dict) else info
        self._entries[event.event_id] = _Entry(event, self._clock())

    async def apply_event(self, envelope: EventEnvelope) -> None:
        """Kafka feed (optional): ``event.published`` carries the whole sellable snapshot (shows and zones)."""
        if envelope.type == "event.published" and "shows" in envelope.data:
            self.put(envelope.data)

    async def zone(self, event_id: str, show_id: str, zone_id: str) -> ZoneInfo | None:
        """The zone if it belongs to that show of that event, else None. Raises CatalogUnavailable."""
        entry = self._entries.get(event_id)
        now = self._clock()
        if entry is None:
            info = await self._fetch(event_id)
        else:
            info = entry.info
            age = now - entry.stored_at
            if age >= (self._negative_ttl_s if info.missing else self._ttl_s):
                if info.missing:
                    info = await self._fetch(event_id)
                else:
                    self._refresh_in_background(event_id)
            elif zone_id not in info.zones and not info.missing and age >= self._refetch_after_s:
                info = await self._fetch(event_id)
        found = info.zones.get(zone_id)
        return found if found is not None and found.show_id == show_id else None

    async def close(self) -> None:
        for task in list(self._inflight.values()):
            task.cancel()
        await asyncio.gather(*self._inflight.values(), return_exceptions=True)

    def _task(self, event_id: str) -> asyncio.Task[EventInfo]:
        task = self._inflight.get(event_id)
        if task is None:
            task = asyncio.create_task(self._load(event_id))
            self._inflight[event_id] = task
            task.add_done_callback(lambda _: self._inflight.pop(event_id, None))
        return task

    async def _fetch(self, event_id: str) -> EventInfo:
        # shield: one impatient caller must not cancel the fetch everybody else waits on.
        return await asyncio.shield(self._task(event_id))

    def _refresh_in_background(self, event_id: str) -> None:
        task = self._task(event_id)
        task.add_done_callback(_log_failure)

    async def _load(self, event_id: str) -> EventInfo:
        if self._client is None:
            raise CatalogUnavailable(f"event {event_id} is not cached and no ticket-service is configured")
        try:
            raw = await self._client.get_event(event_id)
        except TicketUnavailable as exc:
            raise CatalogUnavailable(str(exc)) from exc
        try:
            info = EventInfo(event_id, missing=True) if raw is None else parse_event(raw)
        except ValueError as exc:
            raise CatalogUnavailable(str(exc)) from exc
        self.put(info)
        return info


def _log_failure(task: asyncio.Task[EventInfo]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.warning("catalog refresh failed; serving the stale entry: %s", task.exception())
