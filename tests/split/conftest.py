"""A throw-away shared ``booking_rush`` database (current_state.sql + generated rows) and fresh targets."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import asyncpg
import pytest

from deploy.split.tables import DATABASE_ORDER
from tests.split.seed import SeedSize, seed_sql

CURRENT_STATE_SQL = Path(__file__).resolve().parents[2] / "deploy" / "split" / "current_state.sql"
SIZE = SeedSize()


def _with_database(dsn: str, database: str) -> str:
    base, _, _ = dsn.rpartition("/")
    return f"{base}/{database}"


@pytest.fixture(scope="session")
async def source_dsn(pg_admin_dsn: str) -> AsyncIterator[str]:
    """DSN (admin role) of a seeded shared database; dropped at the end. Tests may change rows but never delete."""
    name = f"br_split_src_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(pg_admin_dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    dsn = _with_database(pg_admin_dsn, name)
    try:
        conn = await asyncpg.connect(dsn)
        try:
            started = time.monotonic()
            await conn.execute(CURRENT_STATE_SQL.read_text())
            await conn.execute(seed_sql(SIZE))
            print(f"\nseeded {name} in {time.monotonic() - started:.1f}s")
        finally:
            await conn.close()
        yield dsn
    finally:
        admin = await asyncpg.connect(pg_admin_dsn)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@pytest.fixture
async def target_dsns(fresh_database: Callable[[str], Awaitable[str]]) -> dict[str, str]:
    """Four fresh, migrated service databases, each reached through its own service role."""
    return {db: await fresh_database(db) for db in DATABASE_ORDER}
