"""Organizer CRUD for categories of their own tenant. Deletion is soft (``deleted_at``)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from services.shared.errors import NotFound
from services.shared.web import json_response, path_uuid, read_json
from services.ticket.access import require_staff
from services.ticket.catalog_models import CategoryCreate, CategoryList, CategoryOut, CategoryUpdate
from services.ticket.context import ctx
from services.ticket.rows import slugify, translate_db_errors, update_row

__all__ = ["create_category", "delete_category", "get_category", "list_categories", "update_category"]

_ONE = "SELECT * FROM categories WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL"


async def list_categories(request: Request) -> Response:
    principal = require_staff(request)
    rows = await ctx(request).pool.fetch(
        "SELECT * FROM categories WHERE tenant_id = $1 AND deleted_at IS NULL ORDER BY sort_order, name",
        principal.tenant_id,
    )
    return json_response(CategoryList(items=[CategoryOut.model_validate(dict(r)) for r in rows]))


async def create_category(request: Request) -> Response:
    principal = require_staff(request)
    body = await read_json(request, CategoryCreate)
    async with translate_db_errors("category"):
        row: Any = await ctx(request).pool.fetchrow(
            """INSERT INTO categories (tenant_id, name, slug, description, icon, sort_order, is_active)
               VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *""",
            principal.tenant_id,
            body.name,
            body.slug or slugify(body.name, 100),
            body.description,
            body.icon,
            body.sort_order,
            body.is_active,
        )
    return json_response(CategoryOut.model_validate(dict(row)), 201)


async def get_category(request: Request) -> Response:
    principal = require_staff(request)
    category_id = path_uuid(request, "category_id")
    row = await ctx(request).pool.fetchrow(_ONE, category_id, principal.tenant_id)
    if row is None:
        raise NotFound(f"category {category_id} not found", code="category_not_found")
    return json_response(CategoryOut.model_validate(dict(row)))


async def update_category(request: Request) -> Response:
    principal = require_staff(request)
    category_id = path_uuid(request, "category_id")
    body = await read_json(request, CategoryUpdate)
    async with ctx(request).pool.acquire() as conn, conn.transaction():
        row = await conn.fetchrow(_ONE + " FOR UPDATE", category_id, principal.tenant_id)
        if row is None:
            raise NotFound(f"category {category_id} not found", code="category_not_found")
        changes = body.model_dump(exclude_unset=True)
        if changes:
            async with translate_db_errors("category"):
                row = await update_row(conn, "categories", row["id"], changes)
    return json_response(CategoryOut.model_validate(dict(row)))


async def delete_category(request: Request) -> Response:
    """Soft delete; events keep their category_id (the design's FK only nulls it on a hard delete)."""
    principal = require_staff(request)
    category_id = path_uuid(request, "category_id")
    done = await ctx(request).pool.fetchval(
        """UPDATE categories SET deleted_at = NOW(), updated_at = NOW()
           WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL RETURNING id""",
        category_id,
        principal.tenant_id,
    )
    if done is None:
        raise NotFound(f"category {category_id} not found", code="category_not_found")
    return Response(status_code=204)
