"""Timeout, retries with backoff and the circuit breaker, driven by a gateway that fails on purpose."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from decimal import Decimal

import pytest

from services.payment.gateway import Card, GatewayRejected, GatewayUnavailable
from services.payment.resilience import BreakerState, CircuitBreaker, CircuitOpen, ResilientGateway, RetryPolicy
from tests.payment.support import CVC, SUCCESS, FlakyGateway, Harness

CARD = Card(SUCCESS, 12, 2099, CVC)
FAST = RetryPolicy(max_attempts=3, base_delay_s=0.001, max_delay_s=0.002, timeout_s=1.0)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _state(breaker: CircuitBreaker) -> BreakerState:
    # A function, so that mypy does not narrow the property between assertions.
    return breaker.state


async def _fail() -> None:
    raise GatewayUnavailable("down")


async def _ok() -> str:
    return "ok"


async def test_breaker_opens_after_threshold_and_half_opens_after_reset() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=3, reset_timeout_s=30, clock=clock)
    for _ in range(2):
        with pytest.raises(GatewayUnavailable):
            await breaker.call(_fail)
    assert _state(breaker) is BreakerState.CLOSED
    with pytest.raises(GatewayUnavailable):
        await breaker.call(_fail)
    assert _state(breaker) is BreakerState.OPEN
    with pytest.raises(CircuitOpen):
        await breaker.call(_ok)  # fails fast, the operation is not run

    clock.now += 30
    assert _state(breaker) is BreakerState.HALF_OPEN
    with pytest.raises(GatewayUnavailable):
        await breaker.call(_fail)  # the trial failed: open again, for a full reset timeout
    assert _state(breaker) is BreakerState.OPEN
    clock.now += 29
    assert _state(breaker) is BreakerState.OPEN
    clock.now += 1
    assert await breaker.call(_ok) == "ok"
    assert _state(breaker) is BreakerState.CLOSED


async def test_half_open_lets_one_trial_through() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=1, reset_timeout_s=5, clock=clock)
    with pytest.raises(GatewayUnavailable):
        await breaker.call(_fail)
    clock.now += 5
    release = asyncio.Event()

    async def slow() -> str:
        await release.wait()
        return "trial"

    trial = asyncio.create_task(breaker.call(slow))
    await asyncio.sleep(0)
    with pytest.raises(CircuitOpen):
        await breaker.call(_ok)
    release.set()
    assert await trial == "trial"
    assert _state(breaker) is BreakerState.CLOSED


async def test_non_retriable_errors_neither_count_nor_retry() -> None:
    breaker = CircuitBreaker(failure_threshold=1, reset_timeout_s=60)
    calls = 0

    async def rejected() -> None:
        nonlocal calls
        calls += 1
        raise GatewayRejected("bad request")

    gateway = ResilientGateway(FlakyGateway(), policy=FAST, breaker=breaker)
    with pytest.raises(GatewayRejected):
        await gateway._run(rejected)
    assert calls == 1
    assert _state(breaker) is BreakerState.CLOSED


async def test_retries_retriable_failures_with_the_same_idempotency_key() -> None:
    flaky = FlakyGateway(failures=2)
    gateway = ResilientGateway(flaky, policy=FAST, breaker=CircuitBreaker(failure_threshold=5, reset_timeout_s=60))
    result = await gateway.charge(Decimal("10.00"), "THB", CARD, "payment-1")
    assert result.succeeded
    assert flaky.calls == 3
    assert list(flaky.inner.charges) == ["payment-1"]


async def test_gives_up_after_max_attempts() -> None:
    flaky = FlakyGateway(failures=10)
    gateway = ResilientGateway(flaky, policy=FAST, breaker=CircuitBreaker(failure_threshold=50, reset_timeout_s=60))
    with pytest.raises(GatewayUnavailable):
        await gateway.charge(Decimal("10.00"), "THB", CARD, "payment-1")
    assert flaky.calls == 3


async def test_a_hanging_gateway_times_out_as_retriable() -> None:
    flaky = FlakyGateway(failures=1, hang_s=5.0)
    policy = RetryPolicy(max_attempts=2, base_delay_s=0.001, max_delay_s=0.002, timeout_s=0.1)
    gateway = ResilientGateway(flaky, policy=policy, breaker=CircuitBreaker(failure_threshold=5, reset_timeout_s=60))
    async with asyncio.timeout(2.0):
        result = await gateway.charge(Decimal("10.00"), "THB", CARD, "payment-1")
    assert result.succeeded
    assert flaky.calls == 2


def test_backoff_is_exponential_with_full_jitter() -> None:
    policy = RetryPolicy(base_delay_s=0.1, max_delay_s=1.0)
    for attempt, cap in [(0, 0.1), (1, 0.2), (2, 0.4), (3, 0.8), (4, 1.0), (9, 1.0)]:
        samples = [policy.backoff(attempt) for _ in range(200)]
        assert all(0.0 <= s <= cap for s in samples)
        assert max(samples) > cap / 2  # spread over the range, not a constant


HarnessFactory = Callable[..., AbstractAsyncContextManager[Harness]]


async def test_open_circuit_is_503_and_the_payment_can_be_retried(open_harness: HarnessFactory) -> None:
    flaky = FlakyGateway(failures=4)
    async with open_harness(gateway=flaky, gateway_max_attempts=2, breaker_failures=4, breaker_reset_s=0.3) as harness:
        payment_id, _ = await harness.reserve()
        for _ in range(2):  # 2 requests x 2 attempts = 4 failures: the breaker opens
            response = await harness.pay(payment_id)
            assert (response.status_code, response.json()["error"]["code"]) == (503, "payment_gateway_unavailable")
            assert await harness.pool.fetchval("SELECT status FROM payments WHERE id = $1", payment_id) == "pending"
        assert flaky.calls == 4
        fast_fail = await harness.pay(payment_id)
        assert (fast_fail.status_code, fast_fail.json()["error"]["code"]) == (503, "payment_gateway_unavailable")
        assert flaky.calls == 4  # the open circuit did not call the gateway
        ready = await harness.client.get("/readyz")
        assert ready.json()["checks"]["gateway_circuit"] == "open"

        await asyncio.sleep(0.35)  # reset timeout: half-open, the next call is the trial
        response = await harness.pay(payment_id)
        assert (response.status_code, response.json()["status"]) == (200, "completed")
        assert flaky.calls == 5
        row = await harness.pool.fetchrow("SELECT retry_count, error_code FROM payments WHERE id = $1", payment_id)
        assert row is not None
        assert (row["retry_count"], row["error_code"]) == (2, None)
        assert await harness.event_types(payment_id) == [
            "payment.initiated",
            "payment.processing",
            "payment.processing",
            "payment.processing",
            "payment.completed",
        ]
