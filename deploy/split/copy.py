"""Resumable, idempotent copy of one table: keyset batches from the source, COPY into a staging table, upsert.

Each batch commits its rows and its checkpoint (the last id copied) in ONE target transaction, so a run killed at
any point resumes exactly after the last committed batch; replaying a batch is harmless anyway because the upsert
is idempotent. A finished pass deletes nothing: the next run starts a new full pass, which inserts rows added to
the source since, and updates rows changed since (Phase 3's "final data sync").
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import asyncpg

from deploy.split.plan import TablePlan

__all__ = [
    "CHECKPOINT_TABLE",
    "Checkpoint",
    "TableResult",
    "copy_table",
    "ensure_checkpoint_table",
    "read_checkpoints",
    "reset_checkpoints",
]

CHECKPOINT_TABLE = "split_checkpoints"
_PROGRESS_EVERY_S = 2.0


@dataclass(frozen=True, slots=True)
class Checkpoint:
    last_id: uuid.UUID | None
    rows_seen: int
    completed: bool


@dataclass(slots=True)
class TableResult:
    database: str
    table: str
    total: int = 0
    seen: int = 0
    inserted: int = 0
    updated: int = 0
    seconds: float = 0.0
    completed: bool = False


async def ensure_checkpoint_table(conn: asyncpg.Connection) -> None:
    # Tool state, not schema: lives beside the copied tables so it commits atomically with each batch.
    # Dropped in Phase 4 (docs/migrate-split.md).
    await conn.execute(
        f"""
        CREATE TABLE IF NOT EXISTS {CHECKPOINT_TABLE} (
            table_name TEXT PRIMARY KEY,
            last_id UUID,
            rows_seen BIGINT NOT NULL DEFAULT 0,
            completed_at TIMESTAMPTZ,
            updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
        )
        """
    )


async def read_checkpoints(conn: asyncpg.Connection) -> dict[str, Checkpoint]:
    rows = await conn.fetch(f"SELECT table_name, last_id, rows_seen, completed_at FROM {CHECKPOINT_TABLE}")
    return {r["table_name"]: Checkpoint(r["last_id"], r["rows_seen"], r["completed_at"] is not None) for r in rows}


async def reset_checkpoints(conn: asyncpg.Connection) -> None:
    await conn.execute(f"DELETE FROM {CHECKPOINT_TABLE}")


async def _save_checkpoint(conn: asyncpg.Connection, table: str, last_id: uuid.UUID | None, seen: int) -> None:
    await conn.execute(
        f"INSERT INTO {CHECKPOINT_TABLE} (table_name, last_id, rows_seen) VALUES ($1, $2, $3)"
        " ON CONFLICT (table_name) DO UPDATE SET last_id = EXCLUDED.last_id, rows_seen = EXCLUDED.rows_seen,"
        " updated_at = NOW()",
        table,
        last_id,
        seen,
    )


async def _mark_completed(conn: asyncpg.Connection, table: str) -> None:
    await conn.execute(
        f"INSERT INTO {CHECKPOINT_TABLE} (table_name, completed_at) VALUES ($1, NOW())"
        " ON CONFLICT (table_name) DO UPDATE SET completed_at = NOW(), updated_at = NOW()",
        table,
    )


async def copy_table(
    plan: TablePlan,
    source: asyncpg.Connection,
    target: asyncpg.Connection,
    checkpoint: Checkpoint | None,
    *,
    batch_size: int,
    batch_budget: int | None,
    log: Callable[[str], None],
) -> tuple[TableResult, int]:
    """Copy ``plan``'s table from its checkpoint on; return the result and the batches used (for the budget)."""
    result = TableResult(plan.spec.database, plan.name)
    result.total = await source.fetchval(f"SELECT count(*) FROM {plan.name}")
    last_id = checkpoint.last_id if checkpoint else None
    result.seen = checkpoint.rows_seen if checkpoint else 0
    if checkpoint and checkpoint.last_id is not None:
        log(f"  {plan.name}: resuming after id {last_id} ({result.seen} rows already copied)")
    await target.execute(plan.create_stage_sql())
    first_sql, next_sql, upsert_sql = (
        plan.select_batch_sql(first=True),
        plan.select_batch_sql(first=False),
        plan.upsert_sql(),
    )
    resumed_from = result.seen
    started = last_print = time.monotonic()
    batches = 0
    while True:
        if batch_budget is not None and batches >= batch_budget:
            break
        if last_id is None:
            rows = await source.fetch(first_sql, batch_size)
        else:
            rows = await source.fetch(next_sql, batch_size, last_id)
        if not rows:
            await _mark_completed(target, plan.name)
            result.completed = True
            break
        async with target.transaction():
            await target.copy_records_to_table(plan.stage, records=[tuple(r) for r in rows], columns=list(plan.columns))
            counts = await target.fetchrow(upsert_sql)
            assert counts is not None  # an aggregate query always returns one row
            last_id = rows[-1][0]
            result.seen += len(rows)
            await _save_checkpoint(target, plan.name, last_id, result.seen)
        result.inserted += counts["inserted"]
        result.updated += counts["updated"]
        batches += 1
        now = time.monotonic()
        if now - last_print >= _PROGRESS_EVERY_S:
            last_print = now
            log(_progress_line(result, resumed_from, now - started))
    result.seconds = time.monotonic() - started
    suffix = "" if result.completed else "  (stopped: batch limit; rerun to resume)"
    log(_progress_line(result, resumed_from, result.seconds) + suffix)
    return result, batches


def _progress_line(result: TableResult, resumed_from: int, elapsed: float) -> str:
    rate = (result.seen - resumed_from) / elapsed if elapsed > 0 else 0.0
    return (
        f"  {result.database}.{result.table}: {result.seen}/{result.total} rows, {rate:,.0f} rows/s"
        f" (inserted {result.inserted}, updated {result.updated})"
    )
