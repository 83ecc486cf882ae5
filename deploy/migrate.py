"""Apply the per-database SQL migrations under deploy/migrations/<database>/NNNN_name.sql.

A deliberately small runner (see README "Migrations"): each file runs once, in its own transaction, recorded in
``schema_migrations`` with a checksum; an advisory lock serialises concurrent runners; re-running is a no-op; a file
changed after it was applied is refused rather than silently skipped.

    python -m deploy.migrate                 # all four databases, DSNs from BR_<DB>_DSN
    python -m deploy.migrate --db ticket_db  # one database
    python -m deploy.migrate --status        # what is applied, what is pending
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from services.shared.settings import DEFAULT_DSNS

MIGRATIONS_ROOT = Path(__file__).resolve().parent / "migrations"
DATABASES = ("auth_db", "ticket_db", "booking_db", "payment_db")
_FILE_PATTERN = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
# Any constant works; it only has to be the same for every runner of this project.
_ADVISORY_LOCK_KEY = 0x42_52_4D_49  # "BRMI"


class MigrationError(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def load_migrations(database: str) -> list[Migration]:
    folder = MIGRATIONS_ROOT / database
    if not folder.is_dir():
        raise MigrationError(f"no migrations folder for {database}: {folder}")
    found: list[Migration] = []
    for path in sorted(folder.iterdir()):
        match = _FILE_PATTERN.match(path.name)
        if match is None:
            continue
        found.append(Migration(int(match.group(1)), match.group(2), path.read_text()))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"{database}: two migrations share a version number: {versions}")
    return found


def dsn_for(database: str, environ: Mapping[str, str]) -> str:
    return environ.get(f"BR_{database.upper()}_DSN") or DEFAULT_DSNS[database]


async def _ensure_table(conn: asyncpg.Connection) -> None:
    await conn.execute(
        """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version INT PRIMARY KEY,
            name TEXT NOT NULL,
            checksum TEXT NOT NULL,
            applied_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
        )
        """
    )


async def apply_migrations(dsn: str, database: str, *, log: bool = True) -> list[int]:
    """Apply pending migrations of ``database`` through ``dsn``; return the versions applied now."""
    migrations = load_migrations(database)
    conn: asyncpg.Connection = await asyncpg.connect(dsn)
    applied_now: list[int] = []
    try:
        await conn.execute("SELECT pg_advisory_lock($1)", _ADVISORY_LOCK_KEY)
        try:
            await _ensure_table(conn)
            rows = await conn.fetch("SELECT version, checksum FROM schema_migrations")
            done = {row["version"]: row["checksum"] for row in rows}
            for migration in migrations:
                if migration.version in done:
                    if done[migration.version] != migration.checksum:
                        raise MigrationError(
                            f"{database}: migration {migration.version:04d}_{migration.name} changed after it was "
                            "applied; add a new migration instead of editing an applied one"
                        )
                    continue
                async with conn.transaction():
                    await conn.execute(migration.sql)
                    await conn.execute(
                        "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                        migration.version,
                        migration.name,
                        migration.checksum,
                    )
                applied_now.append(migration.version)
                if log:
                    print(f"  {database}: applied {migration.version:04d}_{migration.name}", flush=True)
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", _ADVISORY_LOCK_KEY)
    finally:
        await conn.close()
    return applied_now


async def migration_status(dsn: str, database: str) -> tuple[list[int], list[int]]:
    """Return (applied versions, pending versions)."""
    conn: asyncpg.Connection = await asyncpg.connect(dsn)
    try:
        await _ensure_table(conn)
        applied = sorted(row["version"] for row in await conn.fetch("SELECT version FROM schema_migrations"))
    finally:
        await conn.close()
    pending = [m.version for m in load_migrations(database) if m.version not in applied]
    return applied, pending


async def _run(databases: Sequence[str], status: bool, environ: Mapping[str, str]) -> int:
    for database in databases:
        dsn = dsn_for(database, environ)
        if status:
            applied, pending = await migration_status(dsn, database)
            print(f"{database}: applied {applied or 'none'}; pending {pending or 'none'}")
        else:
            applied_now = await apply_migrations(dsn, database)
            if not applied_now:
                print(f"  {database}: up to date")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.migrate", description=__doc__.splitlines()[0])
    parser.add_argument("--db", action="append", choices=DATABASES, help="database to migrate (repeatable)")
    parser.add_argument("--status", action="store_true", help="show applied and pending migrations, change nothing")
    args = parser.parse_args(argv)
    try:
        return asyncio.run(_run(args.db or DATABASES, args.status, os.environ))
    except (MigrationError, OSError, asyncpg.PostgresError) as exc:
        print(f"migrate: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
