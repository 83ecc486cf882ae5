"""InventoryEngine: the Python face of the Lua scripts. One instance per process, shared by all tasks."""

import asyncio
import time
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from redis.asyncio import Redis, RedisCluster
from redis.commands.core import AsyncScript

from engine.audit import EventAudit, HoldRestore, ZoneCounters, parse_audit
from engine.batcher import BatchStats, MicroBatcher
from engine.codes import Code
from engine.connect import cluster_pool_limit
from engine.errors import EngineError, HoldAlreadyReleased, InvalidArgument, check
from engine.keys import Keys
from engine.models import (
    Confirmation,
    EventSpec,
    ExpiredHold,
    Hold,
    ReleasedHold,
    ReleaseReason,
    ReserveRequest,
    ShowSpec,
    ZoneSnapshot,
    ZoneSpec,
)
from engine.scripts import Scripts

DAY_MS = 86_400_000


def _text(value: Any) -> str:
    # Works whether or not the client was built with decode_responses=True.
    return value.decode() if isinstance(value, bytes) else str(value)


def _bound(ms: int | None) -> str:
    return "" if ms is None else str(ms)


def _groups(flat: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [flat[i : i + size] for i in range(0, len(flat), size)]


class InventoryEngine:
    def __init__(
        self,
        redis: "Redis | RedisCluster",
        key_prefix: str = "br",
        batch_max: int = 256,
        *,
        idempotency_ttl_ms: int = DAY_MS,
        terminal_ttl_ms: int = DAY_MS,
        max_inflight: int | None = None,
    ) -> None:
        """``max_inflight`` bounds concurrent Redis calls; it defaults to the per-node pool size of a cluster
        client (whose pool raises instead of waiting) and to unbounded for a BlockingConnectionPool client."""
        self.redis = redis
        self.keys = Keys(key_prefix)
        self.idempotency_ttl_ms = idempotency_ttl_ms
        self.terminal_ttl_ms = terminal_ttl_ms
        self._scripts = Scripts.register(redis)
        limit = max_inflight or cluster_pool_limit(redis)
        self._gate = asyncio.Semaphore(limit) if limit else None
        # redis-py's async cluster client breaks connections when many first commands race its lazy
        # initialize (AttributeError on a None writer, lost replies), so the engine initializes it once first.
        self._cold_cluster = isinstance(redis, RedisCluster)
        self._warmup = asyncio.Lock()
        self._batcher: MicroBatcher[ReserveRequest, Hold] = MicroBatcher(self._send_batch, batch_max)

    @property
    def batch_stats(self) -> BatchStats:
        return self._batcher.stats

    async def _ready(self) -> None:
        if self._cold_cluster:
            async with self._warmup:
                if isinstance(self.redis, RedisCluster) and self._cold_cluster:
                    await self.redis.initialize()
                    self._cold_cluster = False

    async def _run(self, script: AsyncScript, keys: list[str], args: list[Any]) -> Any:
        await self._ready()
        if self._gate is None:
            return await script(keys=keys, args=args)
        async with self._gate:
            return await script(keys=keys, args=args)

    # -- sale lifecycle ------------------------------------------------------------------------------------

    async def open_sale(self, event: EventSpec, show: ShowSpec, zones: list[ZoneSpec], rebuild: bool = False) -> None:
        """Load a show's zones. Idempotent; raises CountersLive rather than overwrite a live zone's counters
        unless ``rebuild`` (then each zone's available = total - sold_seats - held_seats)."""
        if show.event_id != event.event_id or any(z.show_id != show.show_id for z in zones):
            raise InvalidArgument(Code.INVALID_ARGUMENT, "zones must belong to the show, the show to the event")
        k, e = self.keys, event.event_id
        event_args = [_bound(event.max_tickets_per_user), _bound(event.booking_start_ms), _bound(event.booking_end_ms)]
        show_args = [show.show_id, _bound(show.sale_start_ms), _bound(show.sale_end_ms)]
        for z in zones:
            code = await self._run(
                self._scripts.open_zone,
                [k.meta(e), k.show(e, show.show_id), k.show_zones(e, show.show_id), k.event_zones(e),
                 k.zone(e, z.zone_id), k.sold_out(e)],
                [*event_args, *show_args, z.zone_id, z.total_seats, z.sold_seats, z.held_seats, str(z.price),
                 z.min_per_order, z.max_per_order, int(z.is_active), _bound(z.sale_start_ms), _bound(z.sale_end_ms),
                 int(rebuild)],
            )  # fmt: skip
            check(code, f"zone {z.zone_id}")
        await self.redis.sadd(k.live_events(), e)

    async def close_sale(self, event_id: str, show_id: str | None = None) -> int:
        """Mark the event's (or one show's) zones inactive: reserve is refused, pending holds still resolve.
        Returns the number of zones closed."""
        k = self.keys
        zones = k.event_zones(event_id) if show_id is None else k.show_zones(event_id, show_id)
        keys = [k.base(event_id), zones, k.meta(event_id)]
        return int(await self._run(self._scripts.close_sale, keys, [int(show_id is None)]))

    async def live_events(self) -> list[str]:
        await self._ready()
        return sorted(_text(m) for m in await self.redis.smembers(self.keys.live_events()))

    # -- reserve -------------------------------------------------------------------------------------------

    async def reserve(self, req: ReserveRequest) -> Hold:
        """Batched path: coalesced with concurrent calls into one round trip per event."""
        return await self._batcher.submit(req)

    async def reserve_unbatched(self, req: ReserveRequest) -> Hold:
        k, e = self.keys, req.event_id
        keys = [k.zone(e, req.zone_id), k.show(e, req.show_id), k.meta(e), k.users(e), k.expiry(e), k.sold_out(e),
                k.hold(e, req.hold_id), k.idem(e, req.idempotency_key)]  # fmt: skip
        args = [*self._reserve_args(req), req.now_ms, self.idempotency_ttl_ms]
        raw = await self._run(self._scripts.reserve, keys, args)
        result = self._hold_or_error(req, raw)
        if isinstance(result, EngineError):
            raise result
        return result

    @staticmethod
    def _reserve_args(req: ReserveRequest) -> list[Any]:
        return [req.tenant_id, req.user_id, req.show_id, req.zone_id, req.quantity, req.hold_id,
                req.idempotency_key, req.hold_ttl_ms]  # fmt: skip

    @staticmethod
    def _hold_or_error(req: ReserveRequest, raw: Sequence[Any]) -> Hold | EngineError:
        try:
            code = check(int(raw[0]), f"zone {req.zone_id} qty {req.quantity} user {req.user_id}")
        except EngineError as exc:
            return exc
        return Hold(_text(raw[1]), req.zone_id, req.quantity, int(raw[2]), int(raw[3]), code is Code.REPLAYED)

    async def _send_batch(self, reqs: list[ReserveRequest]) -> list[Hold | BaseException]:
        by_event: dict[str, list[int]] = defaultdict(list)
        for i, req in enumerate(reqs):
            by_event[req.event_id].append(i)
        self._batcher.stats.round_trips += len(by_event)
        # One reserve_batch call per event (its keys share a slot); different events run concurrently.
        replies = await asyncio.gather(
            *(self._reserve_batch([reqs[i] for i in idx]) for idx in by_event.values()), return_exceptions=True
        )
        out: list[Hold | BaseException] = [None] * len(reqs)  # type: ignore[list-item]
        for idx, reply in zip(by_event.values(), replies, strict=True):
            for n, i in enumerate(idx):
                out[i] = reply if isinstance(reply, BaseException) else reply[n]
        return out

    async def _reserve_batch(self, reqs: list[ReserveRequest]) -> list[Hold | EngineError]:
        k, e = self.keys, reqs[0].event_id
        args: list[Any] = [self.idempotency_ttl_ms, len(reqs)]
        for req in reqs:
            args += self._reserve_args(req)
            args.append(req.now_ms)
        keys = [k.base(e), k.meta(e), k.users(e), k.expiry(e), k.sold_out(e)]
        raw = await self._run(self._scripts.reserve_batch, keys, args)
        return [self._hold_or_error(req, group) for req, group in zip(reqs, _groups(raw, 4), strict=True)]

    # -- hold lifecycle ------------------------------------------------------------------------------------

    def _hold_keys(self, event_id: str, hold_id: str) -> list[str]:
        k = self.keys
        return [k.base(event_id), k.hold(event_id, hold_id), k.expiry(event_id), k.users(event_id),
                k.sold_out(event_id)]  # fmt: skip

    async def confirm(self, event_id: str, hold_id: str, payment_id: str, now_ms: int) -> Confirmation:
        """reserved -> sold. Raises HoldExpired (also when ``now_ms`` is at/after the deadline), HoldAlreadyReleased,
        HoldNotFound, or HoldAlreadyConfirmed for a different payment id; same payment id: ``replayed=True``."""
        args = [hold_id, payment_id, now_ms, self.terminal_ttl_ms]
        raw = await self._run(self._scripts.confirm, self._hold_keys(event_id, hold_id), args)
        code = check(int(raw[0]), f"hold {hold_id}")
        return Confirmation(hold_id, _text(raw[1]), int(raw[2]), replayed=code is Code.REPLAYED)

    async def release(
        self, event_id: str, hold_id: str, reason: ReleaseReason, now_ms: int | None = None
    ) -> ReleasedHold:
        """Give a hold's seats back, exactly once. A held hold: reserved -> available. A confirmed hold, only
        with reason "cancelled" (refund): sold -> available. The user's allowance is returned either way."""
        now = int(time.time() * 1000) if now_ms is None else now_ms
        raw = await self._run(
            self._scripts.release, self._hold_keys(event_id, hold_id), [hold_id, reason, now, self.terminal_ttl_ms]
        )
        check(int(raw[0]), f"hold {hold_id} reason {reason}")
        return ReleasedHold(hold_id, _text(raw[1]), int(raw[2]), _text(raw[3]), refunded=_text(raw[4]) == "confirmed")

    async def forget_idempotency(self, event_id: str, idempotency_key: str, hold_id: str) -> bool:
        """Drop the key's record if it still names ``hold_id`` (a hold given back because its booking could not be
        stored), so a retry with the same key reserves afresh. Returns whether a record was removed."""
        raw = await self._run(self._scripts.forget_idempotency, [self.keys.idem(event_id, idempotency_key)], [hold_id])
        return int(raw) == Code.OK

    async def expire_due(self, event_id: str, now_ms: int, limit: int = 1000) -> list[ExpiredHold]:
        """Expire up to ``limit`` holds whose deadline <= ``now_ms``; their seats are back when this returns."""
        k = self.keys
        keys = [k.base(event_id), k.expiry(event_id), k.users(event_id), k.sold_out(event_id), k.meta(event_id)]
        raw = await self._run(self._scripts.expire_due, keys, [now_ms, limit, self.terminal_ttl_ms])
        if int(raw[0]) == 1:  # closed and drained: the sweeper need not visit it any more
            await self.redis.srem(k.live_events(), event_id)
        return [ExpiredHold(event_id, _text(h), _text(z), int(q), _text(u)) for h, z, q, u in _groups(raw[1:], 4)]

    async def expire_all_due(self, now_ms: int, limit_per_event: int = 1000) -> list[ExpiredHold]:
        """One sweep over every live event (what a sweeper job calls on a timer)."""
        expired: list[ExpiredHold] = []
        for event_id in await self.live_events():
            expired += await self.expire_due(event_id, now_ms, limit_per_event)
        return expired

    async def restore_hold(
        self,
        *,
        tenant_id: str,
        user_id: str,
        event_id: str,
        show_id: str,
        zone_id: str,
        quantity: int,
        hold_id: str,
        idempotency_key: str,
        deadline_ms: int,
        now_ms: int,
        payment_id: str | None = None,
    ) -> bool:
        """Re-insert a hold after open_sale(rebuild=True), whose counters already include it. ``payment_id`` set:
        the hold is confirmed (so a later refund works). Returns False if the hold was already there."""
        k, e = self.keys, event_id
        keys = [k.zone(e, zone_id), k.hold(e, hold_id), k.idem(e, idempotency_key), k.users(e), k.expiry(e)]
        state = "held" if payment_id is None else "confirmed"
        args = [tenant_id, user_id, show_id, zone_id, quantity, hold_id, idempotency_key, deadline_ms, state,
                payment_id or "", now_ms, self.idempotency_ttl_ms]  # fmt: skip
        return check(int(await self._run(self._scripts.restore_hold, keys, args)), f"hold {hold_id}") is Code.OK

    async def restore_holds(self, holds: Sequence[HoldRestore], now_ms: int) -> list[bool | EngineError]:
        """``restore_hold`` for many holds in ONE pipelined round trip (a rebuild restores a million). Per hold:
        True restored, False already there, or the refusal (e.g. ZoneNotFound). A cluster client (whose pipeline
        does not preload scripts) restores them one call at a time."""
        if isinstance(self.redis, RedisCluster):
            return [await self._restore_one(h, now_ms) for h in holds]
        async with self.redis.pipeline(transaction=False) as pipe:
            for h in holds:
                keys, args = self._restore_call(h, now_ms)
                await self._scripts.restore_hold(keys, args, client=pipe)
            codes = await pipe.execute()
        return [self._restored(int(code), h.hold_id) for code, h in zip(codes, holds, strict=True)]

    async def _restore_one(self, h: HoldRestore, now_ms: int) -> bool | EngineError:
        keys, args = self._restore_call(h, now_ms)
        return self._restored(int(await self._run(self._scripts.restore_hold, keys, args)), h.hold_id)

    def _restore_call(self, h: HoldRestore, now_ms: int) -> tuple[list[str], list[Any]]:
        k, e = self.keys, h.event_id
        keys = [k.zone(e, h.zone_id), k.hold(e, h.hold_id), k.idem(e, h.idempotency_key), k.users(e), k.expiry(e)]
        state = "held" if h.payment_id is None else "confirmed"
        args = [h.tenant_id, h.user_id, h.show_id, h.zone_id, h.quantity, h.hold_id, h.idempotency_key,
                h.deadline_ms, state, h.payment_id or "", now_ms, self.idempotency_ttl_ms]  # fmt: skip
        return keys, args

    @staticmethod
    def _restored(code: int, hold_id: str) -> bool | EngineError:
        try:
            return check(code, f"hold {hold_id}") is Code.OK
        except EngineError as exc:
            return exc

    # -- reads ---------------------------------------------------------------------------------------------

    async def snapshot_show(self, event_id: str, show_id: str) -> dict[str, ZoneSnapshot]:
        return await self._snapshot(event_id, self.keys.show_zones(event_id, show_id))

    async def snapshot_event(self, event_id: str) -> dict[str, ZoneSnapshot]:
        return await self._snapshot(event_id, self.keys.event_zones(event_id))

    async def _snapshot(self, event_id: str, zones_key: str) -> dict[str, ZoneSnapshot]:
        raw = await self._run(self._scripts.snapshot, [self.keys.base(event_id), zones_key], [])
        snaps = (
            ZoneSnapshot(_text(z), _text(s), int(t), int(a), int(r), int(d), _text(on) == "1")
            for z, s, t, a, r, d, on in _groups(raw, 7)
        )
        return {snap.zone_id: snap for snap in snaps}

    async def is_sold_out(self, event_id: str, zone_id: str) -> bool:
        """One SISMEMBER: cheap enough for services to reject before doing any other work."""
        await self._ready()
        return bool(await self.redis.sismember(self.keys.sold_out(event_id), zone_id))

    # -- reconciliation (sync/reconcile only) ------------------------------------------------------------

    async def audit_event(
        self, event_id: str, held_ids: Sequence[str] = (), confirmed_ids: Sequence[str] = ()
    ) -> EventAudit:
        """Zone counters + every indexed hold + the state of the given holds, in one atomic read."""
        k = self.keys
        keys = [k.base(event_id), k.event_zones(event_id), k.expiry(event_id)]
        raw = await self._run(self._scripts.audit_event, keys, [len(held_ids), *held_ids, *confirmed_ids])
        return parse_audit(raw)

    async def set_zone_counters(self, event_id: str, zone_id: str, expected: ZoneCounters, new: ZoneCounters) -> bool:
        """Compare-and-set the zone's counters. False: already equal to ``new``. Raises CountersChanged when the
        zone moved since ``expected`` was read (re-read and retry), ZoneNotFound, InvalidArgument."""
        k = self.keys
        args = [zone_id, expected.total, expected.available, expected.reserved, expected.sold,
                new.total, new.available, new.reserved, new.sold]  # fmt: skip
        code = await self._run(self._scripts.set_zone_counters, [k.zone(event_id, zone_id), k.sold_out(event_id)], args)
        return check(int(code), f"zone {zone_id}") is Code.OK

    async def drop_hold(self, event_id: str, hold_id: str, now_ms: int) -> bool:
        """Withdraw a held hold WITHOUT moving seats (follow with set_zone_counters). False if it is no longer
        held (confirmed/released/expired meanwhile); raises HoldNotFound if there is no record."""
        k = self.keys
        keys = [k.base(event_id), k.hold(event_id, hold_id), k.expiry(event_id), k.users(event_id)]
        code = await self._run(self._scripts.drop_hold, keys, [hold_id, now_ms, self.terminal_ttl_ms])
        try:
            return check(int(code), f"hold {hold_id}") is Code.OK
        except HoldAlreadyReleased:
            return False
