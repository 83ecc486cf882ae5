"""HTTP handlers of payment-service and the operations that declare them (routes and OpenAPI in one place).

Access: a payment belongs to the tenant in its metadata and to its user. The owner may read and pay it; an
organizer or admin of the same tenant may read it; anyone else gets 404, so ids cannot be probed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg
from starlette.requests import Request
from starlette.responses import Response

from services.payment import store
from services.payment.gateway import Card, luhn_valid
from services.payment.models import PaymentList, PaymentListQuery, PaymentOut, PayRequest
from services.payment.service import (
    GatewayDown,
    HoldExpired,
    IdempotencyKeyReused,
    PaymentCancelled,
    PaymentGone,
    PaymentService,
)
from services.payment.store import Payment
from services.shared.errors import BadRequest, Conflict, Forbidden, NotFound, ServiceUnavailable, UnprocessableEntity
from services.shared.tokens import Principal
from services.shared.web import Operation, json_response, parse_query, path_uuid, read_json, require_principal

__all__ = ["OPERATIONS", "PaymentContext"]

_MAX_IDEMPOTENCY_KEY = 255  # the column's width


@dataclass(frozen=True, slots=True)
class PaymentContext:
    pool: asyncpg.Pool
    payments: PaymentService


def _ctx(request: Request) -> PaymentContext:
    ctx: PaymentContext = request.app.state.ctx
    return ctx


def _can_read(principal: Principal, payment: Payment) -> bool:
    if payment.tenant_id != principal.tenant_id:
        return False
    return payment.user_id == principal.user_id or principal.is_staff


def _visible(principal: Principal, payment: Payment | None, payment_id: str) -> Payment:
    if payment is None or not _can_read(principal, payment):
        raise NotFound(f"payment {payment_id} not found", code="payment_not_found")
    return payment


def _card(body: PayRequest, now: datetime) -> Card:
    number = body.card_number.replace(" ", "").replace("-", "")
    if not luhn_valid(number):
        raise UnprocessableEntity("the card number is not valid", code="invalid_card")
    if (body.exp_year, body.exp_month) < (now.year, now.month):
        raise UnprocessableEntity("the card has expired", code="card_expired")
    return Card(number, body.exp_month, body.exp_year, body.cvc, body.cardholder_name)


def _idempotency_key(request: Request) -> str | None:
    key = request.headers.get("idempotency-key")
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > _MAX_IDEMPOTENCY_KEY:
        raise BadRequest(
            f"Idempotency-Key must be 1..{_MAX_IDEMPOTENCY_KEY} characters", code="invalid_idempotency_key"
        )
    return key


async def get_payment(request: Request) -> Response:
    principal = require_principal(request)
    payment_id = path_uuid(request, "payment_id")
    async with store.acquire(_ctx(request).pool) as conn:
        payment = await store.get(conn, payment_id)
    return json_response(PaymentOut.of(_visible(principal, payment, payment_id)))


async def list_payments(request: Request) -> Response:
    principal = require_principal(request)
    query = parse_query(request, PaymentListQuery)
    async with store.acquire(_ctx(request).pool) as conn:
        payment = await store.get_by_booking(conn, str(query.booking_id))
    items = [PaymentOut.of(payment)] if payment is not None and _can_read(principal, payment) else []
    return json_response(PaymentList(items=items))


async def pay(request: Request) -> Response:
    principal = require_principal(request)
    payment_id = path_uuid(request, "payment_id")
    key = _idempotency_key(request)
    card = _card(await read_json(request, PayRequest), datetime.now(UTC))
    ctx = _ctx(request)
    async with store.acquire(ctx.pool) as conn:
        payment = _visible(principal, await store.get(conn, payment_id), payment_id)
    if payment.user_id != principal.user_id:
        raise Forbidden("only the customer who booked may pay", code="not_payment_owner")
    try:
        paid = await ctx.payments.pay(payment_id, card, key)
    except PaymentGone:
        raise NotFound(f"payment {payment_id} not found", code="payment_not_found") from None
    except PaymentCancelled:
        raise Conflict("the booking was cancelled or expired; nothing to pay", code="payment_cancelled") from None
    except HoldExpired as exc:
        raise Conflict(f"the seat hold expired at {exc}", code="hold_expired") from None
    except IdempotencyKeyReused:
        raise Conflict("Idempotency-Key was already used for another payment", code="idempotency_key_reused") from None
    except GatewayDown:
        raise ServiceUnavailable(
            "the payment gateway is unavailable; the payment is pending, try again later",
            code="payment_gateway_unavailable",
        ) from None
    return json_response(PaymentOut.of(paid))


OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "GET",
        "/api/v1/payments",
        list_payments,
        "The payment of a booking (a list of at most one)",
        response_model=PaymentList,
        query_model=PaymentListQuery,
        tags=("payments",),
    ),
    Operation(
        "GET",
        "/api/v1/payments/{payment_id}",
        get_payment,
        "One payment (its owner, or staff of its tenant)",
        response_model=PaymentOut,
        error_statuses=(404,),
        tags=("payments",),
    ),
    Operation(
        "POST",
        "/api/v1/payments/{payment_id}/pay",
        pay,
        "Charge the card for a pending payment; idempotent, returns the payment",
        response_model=PaymentOut,
        request_model=PayRequest,
        error_statuses=(403, 404, 409, 503),
        tags=("payments",),
        headers=(("Idempotency-Key", "optional client key (<= 255 chars), unique per payment", False),),
    ),
)
