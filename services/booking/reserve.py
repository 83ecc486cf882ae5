"""POST /api/v1/bookings behind the HTTP edge: catalog snapshot -> engine hold -> group-committed booking row.

Idempotency (Stripe's semantics) rests on two records that agree: the engine's per-event idempotency record
(24 h; a repeat gets the ORIGINAL hold back, never a second one) and the UNIQUE ``idempotency_key`` column (forever).
Keys are scoped per user ("<user id>:<key>"), so two users can never collide. A repeat is answered from the stored
row; ``request_hash`` tells a true repeat (replay the original 201) from a reused key (422).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg
import orjson
from redis.exceptions import RedisError

from engine import EngineError, Hold, IdempotencyConflict, InventoryEngine, ReserveRequest
from services.booking import store
from services.booking.catalog import Catalog, CatalogUnavailable, ZoneInfo
from services.booking.errors import inventory_error
from services.booking.group_commit import GroupCommitWriter
from services.booking.models import ReserveBody
from services.booking.store import NewBooking, Row
from services.shared.errors import ApiError, Conflict, NotFound, ServiceUnavailable, UnprocessableEntity
from services.shared.tokens import Principal

__all__ = ["CODE_ALPHABET", "ReserveResult", "Reserver", "confirmation_code", "request_hash"]

log = logging.getLogger("booking.reserve")
# Base32 without the look-alikes 0/O and 1/I: codes are read out over the phone and typed from paper tickets.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_FIELDS = ("event_id", "show_id", "zone_id", "quantity")


def confirmation_code(length: int = 8) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def request_hash(body: ReserveBody) -> str:
    canonical = orjson.dumps(body.model_dump(mode="json"), option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).hexdigest()


def _utc(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


@dataclass(frozen=True, slots=True)
class ReserveResult:
    row: Row
    replayed: bool


class Reserver:
    def __init__(
        self,
        *,
        pool: asyncpg.Pool,
        engine: InventoryEngine,
        catalog: Catalog,
        writer: GroupCommitWriter,
        hold_ttl_ms: int,
        replay_wait_s: float = 3.0,
    ) -> None:
        self._pool = pool
        self._engine = engine
        self._catalog = catalog
        self._writer = writer
        self._hold_ttl_ms = hold_ttl_ms
        self._replay_wait_s = replay_wait_s
        # Bookings being written by this process, by id: a concurrent duplicate that the engine pointed at one of
        # them awaits its row here instead of polling PostgreSQL. None: the original request failed.
        self._inflight: dict[str, asyncio.Future[Row | None]] = {}

    async def reserve(self, principal: Principal, key: str, body: ReserveBody) -> ReserveResult:
        scoped_key = f"{principal.user_id}:{key}"
        digest = request_hash(body)
        try:
            zone = await self._zone(principal, body)
        except NotFound:
            # e2e fix: a key already used for another body must answer 422 idempotency_key_reused (docs/booking.md)
            # even when the new body names a zone that does not exist; and a true repeat whose event has since
            # left the catalog still gets its original 201. Only refused requests pay for this one lookup.
            existing = await store.get_by_key(self._pool, scoped_key)
            if existing is None:
                raise
            return self._replay(existing, digest, body)
        booking_id = str(uuid.uuid4())
        now_ms = int(time.time() * 1000)
        pending: asyncio.Future[Row | None] = asyncio.get_running_loop().create_future()
        self._inflight[booking_id] = pending
        row: Row | None = None
        try:
            hold = await self._hold(principal, scoped_key, body, booking_id, now_ms)
            if hold.hold_id != booking_id:  # the engine saw this key: the original booking is (being) written
                return self._replay(await self._await_original(hold.hold_id, scoped_key), digest, body)
            row = await self._persist(principal, zone, body, hold, scoped_key, digest, now_ms)
            if str(row["id"]) != booking_id:  # the key was already in the table: answer from that row
                return self._replay(row, digest, body)
            return ReserveResult(row, replayed=False)
        finally:
            pending.set_result(row)
            del self._inflight[booking_id]

    async def _zone(self, principal: Principal, body: ReserveBody) -> ZoneInfo:
        try:
            zone = await self._catalog.zone(str(body.event_id), str(body.show_id), str(body.zone_id))
        except CatalogUnavailable as exc:
            log.warning("catalog unavailable: %s", exc)
            raise ServiceUnavailable(
                "event details are unavailable; retry shortly", code="catalog_unavailable"
            ) from None
        # Another tenant's event is invisible, exactly like one that does not exist.
        if zone is None or zone.tenant_id != principal.tenant_id:
            raise NotFound("no such zone on sale for this show", code="zone_not_found")
        return zone

    async def _hold(
        self, principal: Principal, scoped_key: str, body: ReserveBody, booking_id: str, now_ms: int
    ) -> Hold:
        request = ReserveRequest(
            tenant_id=principal.tenant_id,
            user_id=principal.user_id,
            event_id=str(body.event_id),
            show_id=str(body.show_id),
            zone_id=str(body.zone_id),
            quantity=body.quantity,
            hold_id=booking_id,
            idempotency_key=scoped_key,
            now_ms=now_ms,
            hold_ttl_ms=self._hold_ttl_ms,
        )
        try:
            return await self._engine.reserve(request)
        except IdempotencyConflict:
            raise await self._reused_error(scoped_key, body) from None
        except (EngineError, RedisError) as exc:
            raise inventory_error(exc) from None

    async def _persist(
        self, principal: Principal, zone: ZoneInfo, body: ReserveBody, hold: Hold, key: str, digest: str, now_ms: int
    ) -> Row:
        booking = NewBooking(
            id=hold.hold_id,
            tenant_id=principal.tenant_id,
            user_id=principal.user_id,
            event_id=zone.event_id,
            show_id=zone.show_id,
            zone_id=zone.zone_id,
            event_name=zone.event_name,
            show_date=zone.show_date,
            show_time=zone.show_time,
            zone_name=zone.zone_name,
            venue_name=zone.venue_name,
            quantity=body.quantity,
            unit_price=zone.price,
            total_amount=zone.price * body.quantity,
            currency=zone.currency,
            idempotency_key=key,
            request_hash=digest,
            confirmation_code=confirmation_code(),
            reserved_at=_utc(now_ms),
            reservation_expires_at=_utc(hold.deadline_ms),
        )
        try:
            row = await self._writer.submit(booking)
        except Exception:
            log.exception("booking %s could not be stored; releasing its hold", booking.id)
            await self._undo_hold(booking)
            raise ServiceUnavailable("the booking could not be stored; retry", code="booking_unavailable") from None
        if row is not None:
            return row
        # The key is in the table already (older than the engine's 24 h record, or used for another event):
        # this hold must not survive, and the answer is the stored booking (or a 422 if the body differs).
        await self._undo_hold(booking)
        existing = await store.get_by_key(self._pool, key)
        if existing is None:
            raise ServiceUnavailable("the booking could not be stored; retry", code="booking_unavailable")
        return existing

    async def _undo_hold(self, booking: NewBooking) -> None:
        """Give the seats back now, and forget the engine's idempotency record: it points at a hold that no
        booking will ever carry, so a retry with the same key must reserve afresh. If Redis is unreachable the
        hold simply expires at its deadline (and the reconciler checks holds against bookings)."""
        try:
            await self._engine.release(booking.event_id, booking.id, "cancelled")
            await self._engine.forget_idempotency(booking.event_id, booking.idempotency_key, booking.id)
        except (EngineError, RedisError):
            log.exception("could not release hold %s; it will expire at its deadline", booking.id)

    async def _await_original(self, hold_id: str, scoped_key: str) -> Row:
        pending = self._inflight.get(hold_id)
        if pending is not None:
            row = await asyncio.shield(pending)
            if row is None:
                raise ServiceUnavailable("the original request with this key failed; retry", code="booking_unavailable")
            return row
        # Written by another process (or long ago): poll briefly, a group commit lands within milliseconds.
        deadline = time.monotonic() + self._replay_wait_s
        delay = 0.005
        while True:
            found = await store.get_by_key(self._pool, scoped_key)
            if found is not None:
                return found
            if time.monotonic() >= deadline:
                raise Conflict(
                    "a request with this Idempotency-Key is still in progress; retry shortly",
                    code="idempotency_key_in_progress",
                )
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.2)

    def _replay(self, row: Row, digest: str, body: ReserveBody) -> ReserveResult:
        if row["request_hash"] is not None and row["request_hash"] != digest:
            raise _reused(row, body)
        return ReserveResult(row, replayed=True)

    async def _reused_error(self, scoped_key: str, body: ReserveBody) -> ApiError:
        row = await store.get_by_key(self._pool, scoped_key)
        if row is None:  # the engine remembers the key but its booking is not (yet) stored
            return UnprocessableEntity(
                "this Idempotency-Key was already used with a different request body", code="idempotency_key_reused"
            )
        return _reused(row, body)


def _reused(row: Row, body: ReserveBody) -> ApiError:
    sent = body.model_dump(mode="json")
    conflicts = [name for name in _FIELDS if str(row[name]) != str(sent[name])]
    return UnprocessableEntity(
        "this Idempotency-Key was already used with a different request body",
        code="idempotency_key_reused",
        details={"booking_id": str(row["id"]), "conflicting_fields": conflicts},
    )
