"""Request and response bodies of the payment API (they are also its OpenAPI schemas)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from services.payment.store import Payment

__all__ = ["PayRequest", "PaymentList", "PaymentListQuery", "PaymentOut"]


class PayRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Format and Luhn are checked by the handler so that a bad number gets the specific code ``invalid_card``.
    card_number: str = Field(min_length=1, max_length=32, description="PAN; spaces and dashes are ignored")
    exp_month: int = Field(ge=1, le=12)
    exp_year: int = Field(ge=2000, le=2100, description="four-digit year")
    cvc: str = Field(pattern=r"^[0-9]{3,4}$")
    cardholder_name: str | None = Field(default=None, max_length=100)


class PaymentListQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    booking_id: uuid.UUID


class PaymentOut(BaseModel):
    id: str
    booking_id: str
    user_id: str
    tenant_id: str | None
    amount: str = Field(description="decimal string, e.g. '1500.00'")
    currency: str
    method: str
    status: str = Field(description="pending | processing | completed | failed | cancelled | refunded")
    card_last_four: str | None
    card_brand: str | None
    gateway: str | None
    error_code: str | None
    error_message: str | None
    refund_amount: str | None
    refund_reason: str | None
    refunded_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str | None
    expires_at: datetime | None = Field(description="the booking's hold deadline; paying after it is refused")
    initiated_at: datetime | None
    processed_at: datetime | None
    completed_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, payment: Payment) -> PaymentOut:
        return cls(
            id=payment.id,
            booking_id=payment.booking_id,
            user_id=payment.user_id,
            tenant_id=payment.tenant_id,
            amount=str(payment.amount),
            currency=payment.currency,
            method=payment.method,
            status=payment.status,
            card_last_four=payment.card_last_four,
            card_brand=payment.card_brand,
            gateway=payment.gateway,
            error_code=payment.error_code,
            error_message=payment.error_message,
            refund_amount=str(payment.refund_amount) if payment.refund_amount is not None else None,
            refund_reason=payment.refund_reason,
            refunded_at=payment.refunded_at,
            cancelled_at=payment.cancelled_at,
            cancel_reason=payment.cancel_reason,
            expires_at=payment.expires_at,
            initiated_at=payment.initiated_at,
            processed_at=payment.processed_at,
            completed_at=payment.completed_at,
            created_at=payment.created_at,
            updated_at=payment.updated_at,
        )


class PaymentList(BaseModel):
    items: list[PaymentOut] = Field(description="at most one: a booking has one payment")
