"""Where the audit and the drain look: each service's own database DSN, Redis and Kafka, from the same BR_*
environment the services read (defaults: the local stack)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from services.shared.settings import DEFAULT_DSNS, DEFAULT_KAFKA_BOOTSTRAP, DEFAULT_REDIS_URL
from services.shared.topics import BOOKING_TRANSACTIONS, PAYMENT_TRANSACTIONS

__all__ = ["CONSUMER_GROUPS", "DATABASES", "Endpoints"]

DATABASES = ("auth_db", "ticket_db", "booking_db", "payment_db")
# consumer group (= inbox name) -> topics it reads; see services/<svc>/consumer.py
CONSUMER_GROUPS: dict[str, tuple[str, ...]] = {
    "ticket-inventory": (BOOKING_TRANSACTIONS,),
    "payment-saga": (BOOKING_TRANSACTIONS,),
    "booking-saga": (PAYMENT_TRANSACTIONS,),
}


@dataclass(frozen=True, slots=True)
class Endpoints:
    dsns: dict[str, str]
    redis_url: str
    key_prefix: str
    kafka_bootstrap: str

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Endpoints:
        dsns = {db: environ.get(f"BR_{db.upper()}_DSN") or DEFAULT_DSNS[db] for db in DATABASES}
        return cls(
            dsns=dsns,
            redis_url=environ.get("BR_REDIS_URL") or DEFAULT_REDIS_URL,
            key_prefix=environ.get("BR_ENGINE_KEY_PREFIX") or "br",
            kafka_bootstrap=environ.get("BR_KAFKA_BOOTSTRAP") or DEFAULT_KAFKA_BOOTSTRAP,
        )
