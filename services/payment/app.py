"""payment-service application factory: settings in, Starlette app out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request

from services.payment.api import OPERATIONS, PaymentContext
from services.payment.gateway import PaymentGateway, SimulatedGateway
from services.payment.resilience import CircuitBreaker, ResilientGateway, RetryPolicy
from services.payment.service import PaymentService
from services.payment.settings import Settings
from services.shared.db import create_pool
from services.shared.settings import SettingsError
from services.shared.tokens import TokenVerifier
from services.shared.web import create_service_app

__all__ = ["SERVICE", "VERSION", "build_gateway", "create_app"]

SERVICE = "payment-service"
VERSION = "1.0.0"


def build_gateway(settings: Settings, inner: PaymentGateway | None = None) -> ResilientGateway:
    """The configured gateway (or ``inner``, for tests) behind timeout, retries and a circuit breaker."""
    if inner is None:
        # Settings.from_env accepts only known gateway names; "simulated" is the only one so far.
        inner = SimulatedGateway(processing_delay_s=settings.simulated_delay_s)
    policy = RetryPolicy(
        max_attempts=settings.gateway_max_attempts,
        base_delay_s=settings.gateway_backoff_s,
        max_delay_s=settings.gateway_backoff_max_s,
        timeout_s=settings.gateway_timeout_s,
    )
    breaker = CircuitBreaker(failure_threshold=settings.breaker_failures, reset_timeout_s=settings.breaker_reset_s)
    return ResilientGateway(inner, policy=policy, breaker=breaker)


def create_app(settings: Settings, *, gateway: PaymentGateway | None = None) -> Starlette:
    """``gateway`` replaces the configured one (tests pass a SimulatedGateway they can inspect)."""
    if settings.jwt_public_key is None:
        raise SettingsError("BR_JWT_PUBLIC_KEY or BR_JWT_PUBLIC_KEY_FILE is required but neither is set")
    verifier = TokenVerifier(settings.jwt_public_key, issuer=settings.jwt_issuer, audience=settings.jwt_audience)
    resilient = build_gateway(settings, gateway)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        pool = await create_pool(
            settings.dsn.reveal(), min_size=settings.pool_min_size, max_size=settings.pool_max_size
        )
        try:
            app.state.ctx = PaymentContext(
                pool=pool,
                payments=PaymentService(pool, resilient, gateway_name=settings.gateway, breaker=resilient.breaker),
            )
            yield
        finally:
            await pool.close()

    async def readiness(request: Request) -> dict[str, str]:
        ctx: PaymentContext = request.app.state.ctx
        async with ctx.pool.acquire() as conn:
            await conn.fetchval("SELECT 1")
        return {"database": "ok", "gateway_circuit": resilient.breaker.state.value}

    app = create_service_app(
        service=SERVICE,
        version=VERSION,
        operations=OPERATIONS,
        lifespan=lifespan,
        readiness=readiness,
        description="Payments for bookings: charge a card through the gateway, refund on cancellation.",
    )
    app.state.token_verifier = verifier
    return app
