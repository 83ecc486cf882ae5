"""The pieces every Starlette service is assembled from: declared operations, request parsing, JSON responses,
the error handlers that keep every failure in one JSON shape, and the operational endpoints.

A service declares its API as a list of ``Operation``s; ``create_service_app`` turns them into routes AND the
OpenAPI document, so the document can never drift from the routes.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel, ValidationError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from services.shared.errors import ApiError, BadRequest, NotFound, Unauthorized, error_body
from services.shared.observability import RequestContextMiddleware, ServiceMetrics, current_request_id, metrics_endpoint
from services.shared.openapi import build_openapi
from services.shared.tokens import InvalidToken, Principal, TokenVerifier

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "JSONResponse",
    "Operation",
    "create_service_app",
    "json_response",
    "parse_query",
    "path_uuid",
    "read_json",
    "require_principal",
]

DEFAULT_MAX_BODY_BYTES = 64 * 1024
Model = TypeVar("Model", bound=BaseModel)
Handler = Callable[[Request], Awaitable[Response]]
ReadinessCheck = Callable[[Request], Awaitable[dict[str, str]]]
log = logging.getLogger("http")


class JSONResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, default=_default)


def _default(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def json_response(content: Any, status_code: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    if isinstance(content, BaseModel):
        content = content.model_dump(mode="json")
    return JSONResponse(content, status_code=status_code, headers=headers)


@dataclass(frozen=True, slots=True)
class Operation:
    """One route and its documentation."""

    method: str
    path: str
    handler: Handler
    summary: str
    response_model: type[BaseModel] | None = None
    request_model: type[BaseModel] | None = None
    query_model: type[BaseModel] | None = None
    status_code: int = 200
    authenticated: bool = True
    error_statuses: tuple[int, ...] = ()
    tags: tuple[str, ...] = ()
    headers: tuple[tuple[str, str, bool], ...] = field(default=())  # (name, description, required)


async def read_json(request: Request, model: type[Model], max_bytes: int = DEFAULT_MAX_BODY_BYTES) -> Model:
    """Parse and validate a JSON body: 413 if too large, 415 if not JSON, 400 if malformed, 422 if invalid."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise ApiError(f"request body exceeds {max_bytes} bytes", code="payload_too_large").with_status(413)
    content_type = request.headers.get("content-type", "application/json")
    if "json" not in content_type.lower():
        raise ApiError(f"expected application/json, got {content_type}", code="unsupported_media_type").with_status(415)
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > max_bytes:
            raise ApiError(f"request body exceeds {max_bytes} bytes", code="payload_too_large").with_status(413)
    if not body:
        raise BadRequest("request body is empty; expected a JSON object", code="invalid_json")
    try:
        raw = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"request body is not valid JSON: {exc}", code="invalid_json") from None
    if not isinstance(raw, dict):
        raise BadRequest("request body must be a JSON object", code="invalid_json")
    return model.model_validate(raw)


def parse_query(request: Request, model: type[Model]) -> Model:
    return model.model_validate(dict(request.query_params))


def path_uuid(request: Request, name: str) -> str:
    """A path parameter that must be a UUID; anything else is a 404 (no such resource can exist)."""
    raw = str(request.path_params[name])
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise NotFound(f"{name} {raw!r} is not a valid id", code="not_found") from None


def require_principal(request: Request) -> Principal:
    verifier: TokenVerifier = request.app.state.token_verifier
    try:
        return verifier.principal_from_header(request.headers.get("authorization"))
    except InvalidToken as exc:
        raise Unauthorized(f"invalid access token: {exc}", code="invalid_token") from None


def _error_response(status: int, code: str, message: str, details: Any = None) -> JSONResponse:
    return JSONResponse(error_body(code, message, current_request_id(), details), status_code=status)


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return _error_response(exc.status_code, exc.code, exc.message, exc.details)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ValidationError)
    # Never echo inputs back: they may hold passwords or card numbers.
    details = [
        {"loc": list(error["loc"]), "msg": error["msg"], "type": error["type"]}
        for error in exc.errors(include_url=False, include_input=False, include_context=False)
    ]
    return _error_response(422, "validation_error", "the request is not valid", details)


_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 400: "bad_request", 413: "payload_too_large"}


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    return _error_response(exc.status_code, code, str(exc.detail))


async def _unhandled(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error", exc_info=exc)
    return _error_response(500, "internal_error", "an internal error occurred; it has been logged")


async def _healthz(request: Request) -> Response:
    return json_response({"status": "ok", "service": request.app.state.metrics.service})


def create_service_app(
    *,
    service: str,
    version: str,
    operations: Sequence[Operation],
    lifespan: Callable[[Starlette], AbstractAsyncContextManager[Any]],
    readiness: ReadinessCheck,
    description: str = "",
    debug: bool = False,
) -> Starlette:
    """Routes from ``operations`` plus /healthz, /readyz, /metrics and /openapi.json, one error format."""
    metrics = ServiceMetrics(service)
    openapi = build_openapi(title=service, version=version, description=description, operations=operations)

    async def readyz(request: Request) -> Response:
        try:
            checks = await readiness(request)
        except Exception as exc:
            log.warning("not ready: %s", exc)
            return _error_response(503, "not_ready", f"{service} is not ready: {type(exc).__name__}: {exc}")
        return json_response({"status": "ready", "service": service, "checks": checks})

    async def openapi_endpoint(request: Request) -> Response:
        return json_response(openapi)

    grouped: dict[str, dict[str, Handler]] = {}
    for op in operations:
        grouped.setdefault(op.path, {})[op.method.upper()] = op.handler
    routes = [_dispatch_route(path, handlers) for path, handlers in grouped.items()]
    routes += [
        Route("/healthz", _healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics_endpoint, methods=["GET"]),
        Route("/openapi.json", openapi_endpoint, methods=["GET"]),
    ]
    app = Starlette(
        debug=debug,
        routes=routes,
        lifespan=lifespan,
        exception_handlers={
            ApiError: _api_error,
            ValidationError: _validation_error,
            HTTPException: _http_error,
            Exception: _unhandled,
        },
    )
    app.state.metrics = metrics
    app.state.openapi = openapi
    app.add_middleware(RequestContextMiddleware, metrics=metrics)
    return app


def _dispatch_route(path: str, handlers: dict[str, Handler]) -> Route:
    async def dispatch(request: Request) -> Response:
        method = "GET" if request.method == "HEAD" else request.method
        return await handlers[method](request)

    dispatch.__name__ = "dispatch_" + path.strip("/").replace("/", "_").replace("{", "").replace("}", "")
    return Route(path, dispatch, methods=sorted(handlers))
