"""Random interleavings of reserve / confirm / release / expire / time, checked step by step against a pure-Python
model of the scripts (exact codes, counters, per-user totals) on real Redis."""

import asyncio
from dataclasses import dataclass
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from engine import Code, EngineError, InventoryEngine, connect
from tests.engine.support import NOW, REDIS_URL, Sale, delete_prefix, new_id, new_prefix, open_sale

SEATS, LIMIT, USERS, KEYS = (6, 4), 4, 3, 10
MAX_PER_ORDER = 3  # zone rule, as opened below


@dataclass
class ModelHold:
    user: int
    zone: int
    qty: int
    state: str
    deadline: int
    payment: str = ""


class EngineModel(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.runner = asyncio.Runner()
        self.redis = connect(REDIS_URL, max_connections=4)
        self.engine = InventoryEngine(self.redis, key_prefix=new_prefix())
        self.sale: Sale = self.run(
            open_sale(self.engine, list(SEATS), event={"max_tickets_per_user": LIMIT}, zone={"max_per_order": 3})
        )
        self.user_ids = [new_id() for _ in range(USERS)]
        self.keys = [new_id() for _ in range(KEYS)]
        self.now = NOW
        self.avail, self.reserved, self.sold = list(SEATS), [0, 0], [0, 0]
        self.user_total = [0] * USERS
        self.holds: dict[str, ModelHold] = {}
        self.idem: dict[str, tuple[tuple[int, int, int], str]] = {}

    def run(self, coro: Any) -> Any:
        return self.runner.run(coro)

    def call(self, coro: Any) -> tuple[Code, Any]:
        try:
            result = self.run(coro)
        except EngineError as exc:
            return exc.code, None
        return Code.OK, result

    def teardown(self) -> None:
        self.run(delete_prefix(self.redis, self.engine.keys.prefix))
        self.run(self.redis.aclose())
        self.runner.close()

    def pick_hold(self, pick: int) -> str:
        ids = sorted(self.holds)
        return ids[pick % (len(ids) + 1)] if pick % (len(ids) + 1) < len(ids) else new_id()

    def give_back(self, h: ModelHold, from_sold: bool, state: str) -> None:
        (self.sold if from_sold else self.reserved)[h.zone] -= h.qty
        self.avail[h.zone] += h.qty
        self.user_total[h.user] -= h.qty
        h.state = state

    def expected_reserve(self, user: int, zone: int, qty: int, key: str) -> tuple[Code, str | None]:
        if key in self.idem:
            fp, hold_id = self.idem[key]
            return (Code.REPLAYED, hold_id) if fp == (user, zone, qty) else (Code.IDEMPOTENCY_CONFLICT, None)
        if qty < 1 or qty > MAX_PER_ORDER:
            return Code.INVALID_QUANTITY, None
        if self.avail[zone] <= 0:
            return Code.SOLD_OUT, None
        if self.avail[zone] < qty:
            return Code.INSUFFICIENT_SEATS, None
        if self.user_total[user] + qty > LIMIT:
            return Code.LIMIT_EXCEEDED, None
        return Code.OK, None

    @rule(user=st.integers(0, USERS - 1), zone=st.integers(0, 1), qty=st.integers(-1, 4),
          key=st.integers(0, KEYS - 1), ttl=st.sampled_from([1000, 5000]), batched=st.booleans())  # fmt: skip
    def reserve(self, user: int, zone: int, qty: int, key: int, ttl: int, batched: bool) -> None:
        req = self.sale.req(self.user_ids[user], qty, zone_id=self.sale.zones[zone].zone_id,
                            idempotency_key=self.keys[key], now_ms=self.now, hold_ttl_ms=ttl)  # fmt: skip
        expected, replayed_id = self.expected_reserve(user, zone, qty, req.idempotency_key)
        code, hold = self.call(self.engine.reserve(req) if batched else self.engine.reserve_unbatched(req))
        if code is Code.OK and hold.replayed:
            code = Code.REPLAYED
            assert hold.hold_id == replayed_id
        assert code is expected, (code, expected)
        if expected is Code.OK:
            self.avail[zone] -= qty
            self.reserved[zone] += qty
            self.user_total[user] += qty
            self.holds[req.hold_id] = ModelHold(user, zone, qty, "held", self.now + ttl)
            self.idem[req.idempotency_key] = ((user, zone, qty), req.hold_id)

    @rule(pick=st.integers(0, 1000), payment=st.sampled_from(["p1", "p2"]))
    def confirm(self, pick: int, payment: str) -> None:
        hold_id = self.pick_hold(pick)
        h = self.holds.get(hold_id)
        code, _ = self.call(self.engine.confirm(self.sale.event_id, hold_id, payment, self.now))
        if h is None:
            expected = Code.HOLD_NOT_FOUND
        elif h.state == "confirmed":
            expected = Code.REPLAYED if h.payment == payment else Code.HOLD_CONFIRMED
            code = Code.REPLAYED if code is Code.OK and expected is Code.REPLAYED else code
        elif h.state == "expired":
            expected = Code.HOLD_EXPIRED
        elif h.state != "held":
            expected = Code.HOLD_RELEASED
        elif self.now >= h.deadline:
            expected = Code.HOLD_EXPIRED
            self.give_back(h, False, "expired")
        else:
            expected = Code.OK
            self.reserved[h.zone] -= h.qty
            self.sold[h.zone] += h.qty
            h.state, h.payment = "confirmed", payment
        assert code is expected, (code, expected)

    @rule(pick=st.integers(0, 1000), reason=st.sampled_from(["cancelled", "payment_failed"]))
    def release(self, pick: int, reason: str) -> None:
        hold_id = self.pick_hold(pick)
        h = self.holds.get(hold_id)
        code, _ = self.call(self.engine.release(self.sale.event_id, hold_id, reason, self.now))  # type: ignore[arg-type]
        if h is None:
            expected = Code.HOLD_NOT_FOUND
        elif h.state == "held":
            expected = Code.OK
            self.give_back(h, False, "released")
        elif h.state == "confirmed":
            expected = Code.OK if reason == "cancelled" else Code.HOLD_CONFIRMED
            if expected is Code.OK:
                self.give_back(h, True, "refunded")
        else:
            expected = Code.HOLD_EXPIRED if h.state == "expired" else Code.HOLD_RELEASED
        assert code is expected, (code, expected)

    @rule(ms=st.integers(0, 3000))
    def advance_time(self, ms: int) -> None:
        self.now += ms

    @rule(limit=st.integers(1, 5))
    def expire(self, limit: int) -> None:
        due = sorted((h.deadline, hid) for hid, h in self.holds.items() if h.state == "held" and h.deadline <= self.now)
        got = self.run(self.engine.expire_due(self.sale.event_id, self.now, limit))
        assert [e.hold_id for e in got] == [hid for _, hid in due[:limit]]
        for e in got:
            self.give_back(self.holds[e.hold_id], False, "expired")

    @invariant()
    def counters_match_model_and_conserve_seats(self) -> None:
        snap = self.run(self.engine.snapshot_event(self.sale.event_id))
        for i, zone in enumerate(self.sale.zones):
            s = snap[zone.zone_id]
            assert (s.available, s.reserved, s.sold) == (self.avail[i], self.reserved[i], self.sold[i])
            assert s.available + s.reserved + s.sold == s.total == SEATS[i]
            assert min(s.available, s.reserved, s.sold) >= 0
        raw = self.run(self.redis.hgetall(self.engine.keys.users(self.sale.event_id)))
        totals = {self.user_ids.index(u): int(n) for u, n in raw.items()}
        assert totals == {u: n for u, n in enumerate(self.user_total) if n}
        assert all(0 < n <= LIMIT for n in totals.values())
        assert len({hid for _, hid in self.idem.values()}) == len(self.idem)  # one hold per idempotency key


EngineModel.TestCase.settings = settings(max_examples=150, stateful_step_count=40, deadline=None, database=None)
TestEngineModel = EngineModel.TestCase
