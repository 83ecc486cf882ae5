"""Fixtures: payment-service in-process on a fresh, migrated payment_db; the consumer's handlers on the same db."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import pytest
import pytest_asyncio

from services.payment.app import build_gateway, create_app
from services.payment.consumer import PaymentSaga
from services.payment.gateway import PaymentGateway, SimulatedGateway
from services.payment.settings import Settings
from services.shared.db import create_pool
from tests.payment.support import Harness
from tests.support.asgi import running_app
from tests.support.tokens import KeyPair, TokenMinter

HarnessFactory = Callable[..., AbstractAsyncContextManager[Harness]]


@pytest.fixture
def open_harness(
    fresh_database: Callable[[str], Awaitable[str]], jwt_keys: KeyPair, token_minter: TokenMinter
) -> HarnessFactory:
    """``async with open_harness(gateway=..., breaker_failures=2, ...) as h`` - overrides are Settings fields."""

    @asynccontextmanager
    async def factory(gateway: PaymentGateway | None = None, **overrides: Any) -> AsyncIterator[Harness]:
        dsn = await fresh_database("payment_db")
        base = Settings.from_env({"BR_PAYMENT_DB_DSN": dsn, "BR_JWT_PUBLIC_KEY": jwt_keys.public_pem})
        settings = dataclasses.replace(
            base, simulated_delay_s=0.4, gateway_backoff_s=0.01, gateway_backoff_max_s=0.05, **overrides
        )
        simulator = SimulatedGateway(processing_delay_s=settings.simulated_delay_s)
        app = create_app(settings, gateway=gateway or simulator)
        pool = await create_pool(dsn, min_size=1, max_size=4)
        try:
            async with running_app(app) as client:
                # The consumer shares the simulator, as two processes share a real gateway account.
                saga = PaymentSaga(build_gateway(settings, gateway or simulator))
                yield Harness(client=client, pool=pool, saga=saga, gateway=simulator, minter=token_minter)
        finally:
            await pool.close()

    return factory


@pytest_asyncio.fixture
async def harness(open_harness: HarnessFactory) -> AsyncIterator[Harness]:
    async with open_harness() as h:
        yield h
