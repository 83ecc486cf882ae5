"""Builds an OpenAPI 3.1 document from the service's declared operations and their pydantic models."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

if TYPE_CHECKING:
    from services.shared.web import Operation

__all__ = ["ERROR_SCHEMA", "build_openapi"]

_REF = "#/components/schemas/{model}"
_PATH_PARAM = re.compile(r"{([a-zA-Z_][a-zA-Z0-9_]*)(?::[a-z]+)?}")
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "stable machine-readable code, e.g. sold_out"},
                "message": {"type": "string"},
                "details": {},
                "request_id": {"type": "string"},
            },
        }
    },
}
_STATUS_TEXT = {
    400: "Malformed request",
    401: "Missing or invalid access token",
    403: "Not allowed for this principal",
    404: "Not found",
    409: "Conflict with the current state",
    413: "Body too large",
    415: "Body is not JSON",
    422: "Validation failed",
    503: "Temporarily unavailable",
}


def _schema_ref(model: type[BaseModel], components: dict[str, Any], mode: str) -> dict[str, str]:
    schema = model.model_json_schema(ref_template=_REF, mode="validation" if mode == "input" else "serialization")
    for name, definition in schema.pop("$defs", {}).items():
        components[name] = definition
    components[model.__name__] = schema
    return {"$ref": _REF.format(model=model.__name__)}


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema()
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop}
        for name, prop in schema.get("properties", {}).items()
    ]


def build_openapi(*, title: str, version: str, description: str, operations: Sequence[Operation]) -> dict[str, Any]:
    components: dict[str, Any] = {"Error": ERROR_SCHEMA}
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        path = _PATH_PARAM.sub(r"{\1}", op.path)
        parameters: list[dict[str, Any]] = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in _PATH_PARAM.findall(op.path)
        ]
        parameters += [
            {"name": name, "in": "header", "required": required, "description": text, "schema": {"type": "string"}}
            for name, text, required in op.headers
        ]
        if op.query_model is not None:
            parameters += _query_parameters(op.query_model)
        success: dict[str, Any] = {"description": op.summary}
        if op.response_model is not None:
            success["content"] = {"application/json": {"schema": _schema_ref(op.response_model, components, "out")}}
        responses: dict[str, Any] = {str(op.status_code): success}
        statuses = set(op.error_statuses) | {422}
        if op.authenticated:
            statuses.add(401)
        if op.request_model is not None:
            statuses |= {400, 413, 415}
        for status in sorted(statuses):
            responses[str(status)] = {
                "description": _STATUS_TEXT.get(status, "Error"),
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            }
        entry: dict[str, Any] = {
            "summary": op.summary,
            "operationId": op.handler.__name__,
            "parameters": parameters,
            "responses": responses,
        }
        if op.tags:
            entry["tags"] = list(op.tags)
        if op.request_model is not None:
            entry["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": _schema_ref(op.request_model, components, "input")}},
            }
        if op.authenticated:
            entry["security"] = [{"bearerAuth": []}]
        paths.setdefault(path, {})[op.method.lower()] = entry
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version, "description": description},
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }
