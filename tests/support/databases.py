"""Throw-away PostgreSQL databases built by the real migrations, one per test that asks for one.

Each service database is migrated once per session into a template (``<db>_tpl_<session>``); a test gets a copy
(``CREATE DATABASE ... TEMPLATE``, a file copy, ~50 ms) owned by the service's own role, so the test connects with
exactly the privileges production has. Everything created is dropped at the end.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import asyncpg

from deploy.migrate import apply_migrations
from services.shared.settings import DEFAULT_DSNS


def _with_database(dsn: str, database: str) -> str:
    base, _, _ = dsn.rpartition("/")
    return f"{base}/{database}"


def service_role(database: str) -> str:
    return database.removesuffix("_db") + "_svc"


@dataclass
class DatabaseFactory:
    admin_dsn: str
    session_tag: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    _templates: dict[str, str] = field(default_factory=dict)
    _created: list[str] = field(default_factory=list)

    async def _admin(self) -> asyncpg.Connection:
        return await asyncpg.connect(self.admin_dsn)

    async def _template(self, database: str) -> str:
        if database in self._templates:
            return self._templates[database]
        name = f"{database}_tpl_{self.session_tag}"
        conn = await self._admin()
        try:
            await conn.execute(f'CREATE DATABASE "{name}" OWNER "{service_role(database)}"')
        finally:
            await conn.close()
        self._created.append(name)
        await apply_migrations(self.service_dsn(database, name), database, log=False)
        self._templates[database] = name
        return name

    def service_dsn(self, database: str, actual_name: str) -> str:
        return _with_database(DEFAULT_DSNS[database], actual_name)

    async def create(self, database: str) -> str:
        """A fresh, fully migrated copy of ``database``; returns the service-role DSN."""
        template = await self._template(database)
        name = f"{database}_t_{uuid.uuid4().hex[:12]}"
        conn = await self._admin()
        try:
            await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}" OWNER "{service_role(database)}"')
            await conn.execute(f'REVOKE CONNECT, TEMPORARY ON DATABASE "{name}" FROM PUBLIC')
            await conn.execute(f'GRANT CONNECT, TEMPORARY ON DATABASE "{name}" TO "{service_role(database)}"')
        finally:
            await conn.close()
        self._created.append(name)
        return self.service_dsn(database, name)

    async def drop_all(self) -> None:
        conn = await self._admin()
        try:
            for name in reversed(self._created):
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()
        self._created.clear()
        self._templates.clear()
