"""Fixtures for auth-service tests: a fresh migrated auth_db and the app running in-process."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from services.auth.app import create_app
from services.auth.settings import Settings
from services.shared.settings import Secret
from tests.auth.harness import Harness
from tests.support.asgi import running_app
from tests.support.tokens import KeyPair


@pytest.fixture
async def auth_dsn(fresh_database: Callable[[str], Awaitable[str]]) -> str:
    return await fresh_database("auth_db")


@pytest.fixture
def auth_settings(auth_dsn: str, jwt_keys: KeyPair) -> Settings:
    # The production Argon2 minimums (19 MiB, t=2): cheap enough that tests need no weaker parameters.
    return Settings(
        dsn=Secret(auth_dsn),
        jwt_private_key=Secret(jwt_keys.private_pem),
        jwt_public_key=jwt_keys.public_pem,
        db_pool_min=1,
        db_pool_max=4,
    )


@pytest.fixture
async def auth(auth_settings: Settings, auth_dsn: str) -> AsyncIterator[Harness]:
    app = create_app(auth_settings)
    async with running_app(app) as client:
        yield Harness(client=client, app=app, dsn=auth_dsn)
