"""The split run: migrate the targets, copy every table (four databases concurrently), then verify."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field

import asyncpg

from deploy.migrate import apply_migrations
from deploy.split.copy import (
    Checkpoint,
    TableResult,
    copy_table,
    ensure_checkpoint_table,
    read_checkpoints,
    reset_checkpoints,
)
from deploy.split.plan import SplitError, TablePlan, build_plan
from deploy.split.tables import DATABASE_ORDER, TABLES
from deploy.split.verify import Check, format_checks, verify

__all__ = ["EXIT_INCOMPLETE", "EXIT_MISMATCH", "EXIT_OK", "SplitConfig", "SplitOutcome", "run_split"]

EXIT_OK, EXIT_MISMATCH, EXIT_INCOMPLETE = 0, 1, 3
_CONNECT_TIMEOUT_S = 10.0
# Fixed so that ROW(...)::text, hence the verification checksum, renders identically on every server.
_SERVER_SETTINGS = {
    "application_name": "deploy.split",
    "TimeZone": "UTC",
    "DateStyle": "ISO, YMD",
    "IntervalStyle": "postgres",
    "extra_float_digits": "3",
}


@dataclass(frozen=True, slots=True)
class SplitConfig:
    source_dsn: str
    target_dsns: Mapping[str, str]  # database name -> DSN (the service's own role)
    batch_size: int = 5000
    verify_only: bool = False
    max_batches: int | None = None  # per target database; stops early (resumable), for chunked runs and tests
    log: Callable[[str], None] = print


@dataclass(slots=True)
class SplitOutcome:
    exit_code: int
    results: list[TableResult] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)

    @property
    def mismatches(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]


async def connect(dsn: str, label: str) -> asyncpg.Connection:
    try:
        conn: asyncpg.Connection = await asyncpg.connect(
            dsn, timeout=_CONNECT_TIMEOUT_S, server_settings=_SERVER_SETTINGS
        )
    except (OSError, TimeoutError, ValueError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        # Name the connection, never echo the DSN: it carries a password.
        first_line = str(exc).splitlines()[0] if str(exc) else ""
        raise SplitError(f"cannot connect to {label}: {type(exc).__name__}: {first_line}") from None
    return conn


async def _decide_checkpoints(targets: Mapping[str, asyncpg.Connection]) -> dict[str, Checkpoint]:
    """Resume an unfinished run; after a finished one (or none), start a new full pass from scratch."""
    found: dict[str, Checkpoint] = {}
    for conn in targets.values():
        await ensure_checkpoint_table(conn)
        found.update(await read_checkpoints(conn))
    if found and not all(found.get(spec.name, Checkpoint(None, 0, False)).completed for spec in TABLES):
        return found
    for conn in targets.values():
        await reset_checkpoints(conn)
    return {}


async def _copy_database(
    database: str,
    plans: Sequence[TablePlan],
    cfg: SplitConfig,
    target: asyncpg.Connection,
    checkpoints: Mapping[str, Checkpoint],
) -> list[TableResult]:
    results: list[TableResult] = []
    budget = cfg.max_batches
    source = await connect(cfg.source_dsn, "source")  # one per worker: an asyncpg connection is not shareable
    try:
        for plan in plans:
            checkpoint = checkpoints.get(plan.name)
            if checkpoint is not None and checkpoint.completed:
                cfg.log(f"  {database}.{plan.name}: already copied in this pass, skipped")
                results.append(TableResult(database, plan.name, seen=checkpoint.rows_seen, completed=True))
                continue
            result, used = await copy_table(
                plan, source, target, checkpoint, batch_size=cfg.batch_size, batch_budget=budget, log=cfg.log
            )
            results.append(result)
            if budget is not None:
                budget -= used
            if not result.completed:
                break
    finally:
        await source.close()
    return results


async def run_split(cfg: SplitConfig) -> SplitOutcome:
    if not cfg.verify_only:
        for database in DATABASE_ORDER:
            await apply_migrations(cfg.target_dsns[database], database)
    async with AsyncExitStack() as stack:
        source = await connect(cfg.source_dsn, "source")
        stack.push_async_callback(source.close)
        targets: dict[str, asyncpg.Connection] = {}
        for database in DATABASE_ORDER:
            targets[database] = await connect(cfg.target_dsns[database], database)
            stack.push_async_callback(targets[database].close)
        plans = [await build_plan(spec, source, targets[spec.database]) for spec in TABLES]
        outcome = SplitOutcome(EXIT_OK)
        if not cfg.verify_only:
            checkpoints = await _decide_checkpoints(targets)
            cfg.log("resuming the unfinished pass" if checkpoints else "starting a full copy pass")
            async with asyncio.TaskGroup() as group:
                tasks = [
                    group.create_task(
                        _copy_database(db, [p for p in plans if p.spec.database == db], cfg, targets[db], checkpoints)
                    )
                    for db in DATABASE_ORDER
                ]
            outcome.results = [r for task in tasks for r in task.result()]
            unfinished = [f"{r.database}.{r.table}" for r in outcome.results if not r.completed]
            unfinished += [
                f"{p.spec.database}.{p.name}" for p in plans if p.name not in {r.table for r in outcome.results}
            ]
            if unfinished:
                cfg.log(f"stopped before the end ({', '.join(unfinished)} not finished); rerun to resume")
                outcome.exit_code = EXIT_INCOMPLETE
                return outcome
        outcome.checks = await verify(plans, source, targets)
        cfg.log(format_checks(outcome.checks))
        if outcome.mismatches:
            names = sorted({f"{c.table}.{c.metric}" for c in outcome.mismatches})
            cfg.log(f"verification FAILED: {', '.join(names)}")
            outcome.exit_code = EXIT_MISMATCH
        else:
            cfg.log("verification passed: every table matches")
        return outcome
