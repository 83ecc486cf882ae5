"""HTTP handlers and the declared operations (routes + OpenAPI come from the same list)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from services.booking import store
from services.booking.cancel import can_read, cancel_booking
from services.booking.context import ctx
from services.booking.models import BookingList, BookingOut, ListQuery, ReserveBody, booking_out
from services.shared.errors import BadRequest, NotFound, UnprocessableEntity
from services.shared.web import Operation, json_response, parse_query, path_uuid, read_json, require_principal

__all__ = ["OPERATIONS"]

IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
MAX_QUANTITY = 100_000  # far above any zone's max_per_order; keeps absurd numbers away from Redis and int4


def _idempotency_key(request: Request) -> str:
    key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
    if not key:
        raise BadRequest(f"the {IDEMPOTENCY_HEADER} header is required", code="idempotency_key_required")
    if len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise BadRequest(
            f"{IDEMPOTENCY_HEADER} must be 1-{MAX_KEY_LENGTH} printable ASCII characters",
            code="idempotency_key_invalid",
        )
    return key


async def reserve(request: Request) -> Response:
    principal = require_principal(request)
    key = _idempotency_key(request)
    body = await read_json(request, ReserveBody)
    if not 1 <= body.quantity <= MAX_QUANTITY:
        raise UnprocessableEntity("quantity must be a positive number of seats", code="invalid_quantity")
    result = await ctx(request).reserver.reserve(principal, key, body)
    headers = {"Location": f"/api/v1/bookings/{result.row['id']}"}
    if result.replayed:
        headers["Idempotent-Replayed"] = "true"
    return json_response(booking_out(result.row, as_created=True), 201, headers)


async def list_bookings(request: Request) -> Response:
    principal = require_principal(request)
    query = parse_query(request, ListQuery)
    rows = await store.list_for_user(ctx(request).pool, principal.user_id, query.limit + 1, query.offset)
    page = BookingList(
        items=[booking_out(row) for row in rows[: query.limit]],
        limit=query.limit,
        offset=query.offset,
        next_offset=query.offset + query.limit if len(rows) > query.limit else None,
    )
    return json_response(page)


async def get_booking(request: Request) -> Response:
    principal = require_principal(request)
    row = await store.get(ctx(request).pool, path_uuid(request, "booking_id"))
    # 404 (not 403) for other people's bookings: ids must not be probeable.
    if row is None or not can_read(row, principal):
        raise NotFound("no such booking", code="booking_not_found")
    return json_response(booking_out(row))


async def cancel(request: Request) -> Response:
    principal = require_principal(request)
    context = ctx(request)
    row = await cancel_booking(context.pool, context.engine, principal, path_uuid(request, "booking_id"))
    return json_response(booking_out(row))


OPERATIONS = [
    Operation(
        "POST", "/api/v1/bookings", reserve, "Reserve seats (hold until the deadline, then pay)",
        response_model=BookingOut, request_model=ReserveBody, status_code=201,
        error_statuses=(400, 404, 409, 422, 503), tags=("bookings",),
        headers=((IDEMPOTENCY_HEADER, "required, 1-255 chars, unique per request; a repeat with the same body "
                  "returns the original 201 (header Idempotent-Replayed: true), with another body 422 "
                  "idempotency_key_reused", True),),
    ),
    Operation(
        "GET", "/api/v1/bookings", list_bookings, "My bookings, newest first",
        response_model=BookingList, query_model=ListQuery, tags=("bookings",),
    ),
    Operation(
        "GET", "/api/v1/bookings/{booking_id}", get_booking, "One booking (owner, or staff of its tenant)",
        response_model=BookingOut, error_statuses=(404,), tags=("bookings",),
    ),
    Operation(
        "POST", "/api/v1/bookings/{booking_id}/cancel", cancel, "Cancel a reserved or paid booking (owner)",
        response_model=BookingOut, error_statuses=(403, 404, 409, 503), tags=("bookings",),
    ),
]  # fmt: skip
