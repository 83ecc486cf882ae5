"""Calling an external gateway safely: a per-attempt timeout, retries with exponential backoff and full jitter
for retriable failures only, and a circuit breaker that stops calling a gateway that keeps failing.

Retrying a charge is safe only because every charge carries an idempotency key (the payment id): after a timeout
the first attempt may have succeeded at the gateway, and the retry then returns that same charge.
"""

from __future__ import annotations

import asyncio
import enum
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from services.payment.gateway import Card, ChargeResult, GatewayError, GatewayUnavailable, PaymentGateway, RefundResult

__all__ = ["BreakerState", "CircuitBreaker", "CircuitOpen", "ResilientGateway", "RetryPolicy"]

T = TypeVar("T")


class CircuitOpen(GatewayError):
    """The breaker refused the call without trying: the gateway failed too often recently."""

    code = "payment_gateway_unavailable"


class BreakerState(enum.Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    """Closed: calls pass, consecutive retriable failures are counted. At ``failure_threshold`` it opens: calls fail
    fast with ``CircuitOpen``. After ``reset_timeout_s`` it is half-open: one trial call passes (others still fail
    fast); its success closes the breaker, its failure opens it again for another ``reset_timeout_s``.

    Only ``retriable`` gateway errors count: a declined card or a rejected request says the gateway is healthy.
    """

    def __init__(
        self, *, failure_threshold: int, reset_timeout_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be >= 1")
        self.failure_threshold = failure_threshold
        self.reset_timeout_s = reset_timeout_s
        self._clock = clock
        self._failures = 0
        self._opened_at = 0.0
        self._state = BreakerState.CLOSED
        self._trial_running = False

    @property
    def state(self) -> BreakerState:
        if self._state is BreakerState.OPEN and self._clock() - self._opened_at >= self.reset_timeout_s:
            return BreakerState.HALF_OPEN
        return self._state

    async def call(self, operation: Callable[[], Awaitable[T]]) -> T:
        state = self.state
        if state is BreakerState.OPEN or (state is BreakerState.HALF_OPEN and self._trial_running):
            raise CircuitOpen("the payment gateway is unavailable; try again later")
        trial = state is BreakerState.HALF_OPEN
        self._trial_running = trial
        try:
            result = await operation()
        except GatewayError as exc:
            if exc.retriable:
                self._record_failure(trial)
            elif trial:
                self._close()  # the gateway answered: it is reachable
            raise
        except BaseException:
            # Cancelled or crashed on our side: no verdict on the gateway; let a later call be the trial.
            if trial:
                self._trial_running = False
            raise
        self._close()
        return result

    def _record_failure(self, trial: bool) -> None:
        self._failures += 1
        self._trial_running = False
        if trial or self._failures >= self.failure_threshold:
            self._state = BreakerState.OPEN
            self._opened_at = self._clock()

    def _close(self) -> None:
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._trial_running = False


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 3
    base_delay_s: float = 0.2
    max_delay_s: float = 2.0
    timeout_s: float = 10.0  # per attempt

    def backoff(self, attempt: int) -> float:
        """Full jitter (AWS architecture blog): uniform in [0, min(max, base * 2**attempt)] so that clients that
        failed together do not retry together."""
        return random.uniform(0.0, min(self.max_delay_s, self.base_delay_s * 2**attempt))


class ResilientGateway:
    """A ``PaymentGateway`` wrapping another with timeout, retries and a circuit breaker."""

    def __init__(self, inner: PaymentGateway, *, policy: RetryPolicy, breaker: CircuitBreaker) -> None:
        self.inner = inner
        self.policy = policy
        self.breaker = breaker

    async def charge(self, amount: Decimal, currency: str, card: Card, idempotency_key: str) -> ChargeResult:
        return await self._run(lambda: self.inner.charge(amount, currency, card, idempotency_key))

    async def refund(self, charge_id: str, amount: Decimal) -> RefundResult:
        return await self._run(lambda: self.inner.refund(charge_id, amount))

    async def _attempt(self, operation: Callable[[], Awaitable[T]]) -> T:
        try:
            async with asyncio.timeout(self.policy.timeout_s):
                return await operation()
        except TimeoutError:
            raise GatewayUnavailable(f"the gateway did not answer within {self.policy.timeout_s} s") from None

    async def _run(self, operation: Callable[[], Awaitable[T]]) -> T:
        attempt = 0
        while True:
            try:
                return await self.breaker.call(lambda: self._attempt(operation))
            except GatewayError as exc:
                attempt += 1
                # CircuitOpen is not retriable: the breaker decided; waiting here would only hold the request.
                if not exc.retriable or attempt >= self.policy.max_attempts:
                    raise
            await asyncio.sleep(self.policy.backoff(attempt - 1))
