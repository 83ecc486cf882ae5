"""One audit run: wait for the saga to drain, read every store, judge, and re-read (bounded) while the only
differences are ones still in flight."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import asyncpg

from engine import InventoryEngine, connect
from loadtest.audit.checks import Check, run_checks
from loadtest.audit.facts import Facts, collect_facts
from loadtest.audit.kafka_sample import verify_sample
from loadtest.drain import DrainStatus, wait_for_drain
from loadtest.endpoints import Endpoints

__all__ = ["AuditError", "AuditResult", "run_audit"]


class AuditError(RuntimeError):
    """The audit could not run (a store is unreachable, the event is unknown): exit code 2."""


@dataclass
class AuditResult:
    event_id: str
    checks: list[Check]
    drain: DrainStatus
    attempts: int
    facts: Facts | None = None
    elapsed_s: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def failed_checks(self) -> list[str]:
        return [check.name for check in self.checks if not check.ok]

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": "pass" if self.passed else "fail",
            "event_id": self.event_id,
            "failed_checks": self.failed_checks,
            "checks": [check.to_json() for check in self.checks],
            "drain": self.drain.to_json(),
            "attempts": self.attempts,
            "elapsed_s": round(self.elapsed_s, 2),
        }


async def _event_exists(dsn: str, event_id: str) -> bool:
    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        return bool(await conn.fetchval("SELECT EXISTS (SELECT 1 FROM events WHERE id = $1::uuid)", event_id))
    finally:
        await conn.close()


async def run_audit(
    event_id: str,
    endpoints: Endpoints,
    *,
    drain_timeout_s: float = 60.0,
    settle_timeout_s: float = 20.0,
    kafka_sample_per_db: int = 100,
) -> AuditResult:
    started = time.monotonic()
    try:
        if not await _event_exists(endpoints.dsns["ticket_db"], event_id):
            raise AuditError(f"event {event_id} is not in ticket_db")
        drain = await wait_for_drain(endpoints, timeout_s=drain_timeout_s)
    except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
        raise AuditError(f"could not reach a store: {exc!r}") from exc
    # rows created after this moment belong to whatever else is using the system now, not to what we audit
    cutoff = datetime.now(UTC)
    redis = connect(endpoints.redis_url, max_connections=4)
    engine = InventoryEngine(redis, key_prefix=endpoints.key_prefix)
    attempts = 0
    try:
        settle_deadline = time.monotonic() + settle_timeout_s
        while True:
            attempts += 1
            facts = await collect_facts(event_id, endpoints.dsns, engine, cutoff)
            checks = run_checks(facts)
            # a saga step in flight between two reads looks like a difference; a real one stays
            if all(c.ok for c in checks) or time.monotonic() >= settle_deadline:
                break
            await asyncio.sleep(1.0)
        checks.append(
            await verify_sample(endpoints.dsns, endpoints.kafka_bootstrap, cutoff, per_db=kafka_sample_per_db)
        )
    except (OSError, asyncpg.PostgresError) as exc:
        raise AuditError(f"could not read a store: {exc!r}") from exc
    finally:
        await redis.aclose()
    return AuditResult(event_id, checks, drain, attempts, facts, time.monotonic() - started)
