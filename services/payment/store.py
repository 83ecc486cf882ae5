"""SQL on payment_db.payments. Every function runs on the caller's connection (and, for writes, the caller's
transaction, which also writes the outbox row). State changes are conditional on the current status, so a write
that lost a race changes nothing and returns ``None``.

Card data never reaches this module: only the last four digits and the brand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import asyncpg

from services.payment.gateway import ChargeResult, RefundResult
from services.shared.db import acquire  # re-exported: the payment modules take connections through it

__all__ = [
    "Payment",
    "acquire",
    "get",
    "get_by_booking",
    "insert_pending",
    "mark_cancelled",
    "mark_completed",
    "mark_failed",
    "mark_processing",
    "mark_refunded",
    "revert_to_pending",
]

# gateway_response and idempotency_key stay in the database: nothing reads them back.
_COLUMNS = """id, booking_id, user_id, amount, currency, method, status, gateway, gateway_payment_id,
    gateway_charge_id, card_last_four, card_brand, initiated_at, processed_at, completed_at, refund_amount,
    refund_reason, refunded_at, error_code, error_message, retry_count, cancelled_at, cancel_reason, metadata,
    created_at, updated_at"""


@dataclass(frozen=True, slots=True)
class Payment:
    id: str
    booking_id: str
    user_id: str
    amount: Decimal
    currency: str
    method: str
    status: str
    gateway: str | None
    gateway_payment_id: str | None
    gateway_charge_id: str | None
    card_last_four: str | None
    card_brand: str | None
    initiated_at: datetime | None
    processed_at: datetime | None
    completed_at: datetime | None
    refund_amount: Decimal | None
    refund_reason: str | None
    refunded_at: datetime | None
    error_code: str | None
    error_message: str | None
    retry_count: int
    cancelled_at: datetime | None
    cancel_reason: str | None
    metadata: dict[str, Any]
    created_at: datetime
    updated_at: datetime

    @property
    def tenant_id(self) -> str | None:
        value = self.metadata.get("tenant_id")
        return str(value) if value else None

    @property
    def expires_at(self) -> datetime | None:
        """The booking's hold deadline: paying after it could charge for seats already released."""
        raw = self.metadata.get("expires_at")
        if not raw:
            return None
        parsed = datetime.fromisoformat(str(raw))
        # A deadline without an offset is taken as UTC rather than failing every comparison with an aware "now".
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)

    @classmethod
    def from_record(cls, record: asyncpg.Record) -> Payment:
        values = dict(record)
        for key in ("id", "booking_id", "user_id"):
            values[key] = str(values[key])
        values["metadata"] = values["metadata"] or {}
        values["retry_count"] = values["retry_count"] or 0
        return cls(**values)


def _one(record: asyncpg.Record | None) -> Payment | None:
    return Payment.from_record(record) if record is not None else None


async def insert_pending(
    conn: asyncpg.Connection,
    *,
    booking_id: str,
    user_id: str,
    amount: Decimal,
    currency: str,
    metadata: dict[str, Any],
) -> Payment | None:
    """The booking's payment, or ``None`` if it already has one (booking_id is UNIQUE: replays are no-ops)."""
    record = await conn.fetchrow(
        f"""INSERT INTO payments (booking_id, user_id, amount, currency, method, status, metadata)
            VALUES ($1, $2, $3, $4, 'card', 'pending', $5::jsonb)
            ON CONFLICT (booking_id) DO NOTHING
            RETURNING {_COLUMNS}""",
        booking_id,
        user_id,
        amount,
        currency,
        metadata,
    )
    return _one(record)


async def get(conn: asyncpg.Connection, payment_id: str, *, for_update: bool = False) -> Payment | None:
    lock = " FOR UPDATE" if for_update else ""
    return _one(await conn.fetchrow(f"SELECT {_COLUMNS} FROM payments WHERE id = $1{lock}", payment_id))


async def get_by_booking(conn: asyncpg.Connection, booking_id: str, *, for_update: bool = False) -> Payment | None:
    lock = " FOR UPDATE" if for_update else ""
    return _one(await conn.fetchrow(f"SELECT {_COLUMNS} FROM payments WHERE booking_id = $1{lock}", booking_id))


async def mark_processing(
    conn: asyncpg.Connection,
    payment_id: str,
    *,
    gateway: str,
    card_last_four: str,
    card_brand: str,
    idempotency_key: str | None,
) -> Payment | None:
    """pending -> processing; raises asyncpg.UniqueViolationError if the client's key belongs to another payment."""
    record = await conn.fetchrow(
        f"""UPDATE payments
            SET status = 'processing', processed_at = NOW(), updated_at = NOW(), gateway = $2,
                card_last_four = $3, card_brand = $4, idempotency_key = COALESCE($5, idempotency_key),
                error_code = NULL, error_message = NULL
            WHERE id = $1 AND status = 'pending'
            RETURNING {_COLUMNS}""",
        payment_id,
        gateway,
        card_last_four,
        card_brand,
        idempotency_key,
    )
    return _one(record)


async def mark_completed(conn: asyncpg.Connection, payment_id: str, result: ChargeResult) -> Payment | None:
    record = await conn.fetchrow(
        f"""UPDATE payments
            SET status = 'completed', completed_at = NOW(), updated_at = NOW(), gateway = $2,
                gateway_payment_id = $3, gateway_charge_id = $4, gateway_response = $5::jsonb
            WHERE id = $1 AND status = 'processing'
            RETURNING {_COLUMNS}""",
        payment_id,
        result.gateway,
        result.payment_id,
        result.charge_id,
        result.raw,
    )
    return _one(record)


async def mark_failed(conn: asyncpg.Connection, payment_id: str, result: ChargeResult) -> Payment | None:
    record = await conn.fetchrow(
        f"""UPDATE payments
            SET status = 'failed', updated_at = NOW(), gateway = $2, gateway_payment_id = $3,
                gateway_response = $4::jsonb, error_code = $5, error_message = $6
            WHERE id = $1 AND status = 'processing'
            RETURNING {_COLUMNS}""",
        payment_id,
        result.gateway,
        result.payment_id,
        result.raw,
        result.error_code or "payment_failed",
        result.error_message,
    )
    return _one(record)


async def revert_to_pending(
    conn: asyncpg.Connection, payment_id: str, *, error_code: str, error_message: str
) -> Payment | None:
    """processing -> pending when the gateway gave no answer: the customer may try again (same idempotency key)."""
    record = await conn.fetchrow(
        f"""UPDATE payments
            SET status = 'pending', updated_at = NOW(), retry_count = COALESCE(retry_count, 0) + 1,
                error_code = $2, error_message = $3
            WHERE id = $1 AND status = 'processing'
            RETURNING {_COLUMNS}""",
        payment_id,
        error_code,
        error_message,
    )
    return _one(record)


async def mark_cancelled(conn: asyncpg.Connection, payment_id: str, *, reason: str) -> Payment | None:
    record = await conn.fetchrow(
        f"""UPDATE payments
            SET status = 'cancelled', cancelled_at = NOW(), cancel_reason = $2, updated_at = NOW()
            WHERE id = $1 AND status IN ('pending', 'processing')
            RETURNING {_COLUMNS}""",
        payment_id,
        reason,
    )
    return _one(record)


async def mark_refunded(
    conn: asyncpg.Connection,
    payment_id: str,
    refund: RefundResult,
    *,
    reason: str,
    charge: ChargeResult | None = None,
) -> Payment | None:
    """completed -> refunded; or cancelled -> refunded when a charge landed after the cancellation (``charge``)."""
    record = await conn.fetchrow(
        f"""UPDATE payments
            SET status = 'refunded', refund_amount = $2, refund_reason = $3, refunded_at = NOW(), updated_at = NOW(),
                gateway_payment_id = COALESCE($4, gateway_payment_id),
                gateway_charge_id = COALESCE($5, gateway_charge_id),
                metadata = COALESCE(metadata, '{{}}'::jsonb) || jsonb_build_object('refund_id', $6::text)
            WHERE id = $1 AND status IN ('completed', 'cancelled')
            RETURNING {_COLUMNS}""",
        payment_id,
        refund.amount,
        reason,
        charge.payment_id if charge else None,
        charge.charge_id if charge else None,
        refund.refund_id,
    )
    return _one(record)
