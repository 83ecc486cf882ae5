"""The cold-start fallback to ticket-service: ``GET /api/v1/events/{id}`` with a timeout, retries with backoff
and a small circuit breaker, so a ticket-service outage costs booking one fast failure instead of a pile-up."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import httpx

__all__ = ["CircuitBreaker", "TicketClient", "TicketUnavailable"]

log = logging.getLogger("booking.ticket_client")


class TicketUnavailable(Exception):
    """ticket-service did not answer usefully (timeouts, 5xx, open circuit). Retriable later."""


class CircuitBreaker:
    """Opens after ``threshold`` consecutive failures; after ``reset_s`` one trial call is let through
    (half-open): success closes it, failure re-opens it for another ``reset_s``."""

    def __init__(self, threshold: int = 5, reset_s: float = 10.0) -> None:
        self.threshold = threshold
        self.reset_s = reset_s
        self.failures = 0
        self._opened_at: float | None = None

    @property
    def is_open(self) -> bool:
        return self._opened_at is not None and time.monotonic() - self._opened_at < self.reset_s

    def allow(self) -> bool:
        if self._opened_at is None:
            return True
        if time.monotonic() - self._opened_at >= self.reset_s:
            self._opened_at = time.monotonic()  # half-open: this caller is the trial, others keep failing fast
            return True
        return False

    def success(self) -> None:
        self.failures = 0
        self._opened_at = None

    def failure(self) -> None:
        self.failures += 1
        if self.failures >= self.threshold:
            self._opened_at = time.monotonic()


class TicketClient:
    def __init__(
        self,
        base_url: str,
        *,
        timeout_s: float = 2.0,
        attempts: int = 3,
        backoff_s: float = 0.05,
        breaker: CircuitBreaker | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._http = httpx.AsyncClient(base_url=base_url, timeout=timeout_s, transport=transport)
        self._attempts = attempts
        self._backoff_s = backoff_s
        self.breaker = breaker or CircuitBreaker()
        self.calls = 0  # HTTP requests actually sent (tests check single-flight with it)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def get_event(self, event_id: str) -> dict[str, Any] | None:
        """The public event detail (with shows and zones), or None if ticket-service says 404."""
        if not self.breaker.allow():
            raise TicketUnavailable("ticket-service circuit is open")
        last: str = ""
        for attempt in range(self._attempts):
            if attempt:
                await asyncio.sleep(self._backoff_s * 2 ** (attempt - 1))
            try:
                self.calls += 1
                response = await self._http.get(f"/api/v1/events/{event_id}")
            except httpx.HTTPError as exc:
                last = f"{type(exc).__name__}: {exc}"
                continue
            if response.status_code == 404:
                self.breaker.success()
                return None
            if response.status_code >= 500 or response.status_code == 429:
                last = f"HTTP {response.status_code}"
                continue
            if response.status_code != 200:
                # Another 4xx is our bug or a non-public event: not retriable, not the breaker's business.
                self.breaker.success()
                log.warning("ticket-service refused event %s: HTTP %s", event_id, response.status_code)
                return None
            self.breaker.success()
            body = response.json()
            if not isinstance(body, dict):
                raise TicketUnavailable("ticket-service answered a non-object event")
            return body
        self.breaker.failure()
        raise TicketUnavailable(f"ticket-service event {event_id}: {last}")
