"""payment-service settings, read once from the environment at start-up."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from services.shared.settings import (
    DEFAULT_DSNS,
    DEFAULT_JWT_AUDIENCE,
    DEFAULT_JWT_ISSUER,
    Secret,
    SettingsError,
    env_float,
    env_int,
    env_pem,
    env_str,
)

__all__ = ["GATEWAYS", "Settings"]

GATEWAYS = ("simulated",)  # a production adapter adds its name here


@dataclass(frozen=True, slots=True)
class Settings:
    dsn: Secret  # carries the password
    jwt_public_key: str | None  # None only for the consumer process, which verifies no tokens
    jwt_issuer: str = DEFAULT_JWT_ISSUER
    jwt_audience: str = DEFAULT_JWT_AUDIENCE
    host: str = "127.0.0.1"
    port: int = 8004
    workers: int = 1
    log_level: str = "INFO"
    pool_min_size: int = 2
    pool_max_size: int = 10
    gateway: str = "simulated"
    simulated_delay_s: float = 2.0  # how long test card 4000000000000259 stays 'processing'
    gateway_timeout_s: float = 10.0  # per attempt
    gateway_max_attempts: int = 3
    gateway_backoff_s: float = 0.2
    gateway_backoff_max_s: float = 2.0
    breaker_failures: int = 5
    breaker_reset_s: float = 30.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str], *, require_jwt: bool = True) -> Settings:
        gateway = env_str(environ, "BR_PAYMENT_GATEWAY", "simulated")
        if gateway not in GATEWAYS:
            raise SettingsError(f"BR_PAYMENT_GATEWAY must be one of {', '.join(GATEWAYS)}, got {gateway!r}")
        pool_min = env_int(environ, "BR_PAYMENT_DB_POOL_MIN", 2, minimum=1)
        pool_max = env_int(environ, "BR_PAYMENT_DB_POOL_MAX", 10, minimum=1)
        if pool_max < pool_min:
            raise SettingsError(f"BR_PAYMENT_DB_POOL_MAX ({pool_max}) must be >= BR_PAYMENT_DB_POOL_MIN ({pool_min})")
        needs_key = require_jwt or environ.get("BR_JWT_PUBLIC_KEY") or environ.get("BR_JWT_PUBLIC_KEY_FILE")
        return cls(
            dsn=Secret(env_str(environ, "BR_PAYMENT_DB_DSN", DEFAULT_DSNS["payment_db"])),
            jwt_public_key=env_pem(environ, "BR_JWT_PUBLIC_KEY") if needs_key else None,
            jwt_issuer=env_str(environ, "BR_JWT_ISSUER", DEFAULT_JWT_ISSUER),
            jwt_audience=env_str(environ, "BR_JWT_AUDIENCE", DEFAULT_JWT_AUDIENCE),
            host=env_str(environ, "BR_PAYMENT_HOST", "127.0.0.1"),
            port=env_int(environ, "BR_PAYMENT_PORT", 8004, minimum=1),
            workers=env_int(environ, "BR_PAYMENT_WORKERS", 1, minimum=1),
            log_level=env_str(environ, "BR_PAYMENT_LOG_LEVEL", "INFO"),
            pool_min_size=pool_min,
            pool_max_size=pool_max,
            gateway=gateway,
            simulated_delay_s=env_float(environ, "BR_PAYMENT_SIMULATED_DELAY_S", 2.0, minimum=0.0),
            gateway_timeout_s=env_float(environ, "BR_PAYMENT_GATEWAY_TIMEOUT_S", 10.0, minimum=0.001),
            gateway_max_attempts=env_int(environ, "BR_PAYMENT_GATEWAY_MAX_ATTEMPTS", 3, minimum=1),
            gateway_backoff_s=env_float(environ, "BR_PAYMENT_GATEWAY_BACKOFF_S", 0.2, minimum=0.0),
            gateway_backoff_max_s=env_float(environ, "BR_PAYMENT_GATEWAY_BACKOFF_MAX_S", 2.0, minimum=0.0),
            breaker_failures=env_int(environ, "BR_PAYMENT_BREAKER_FAILURES", 5, minimum=1),
            breaker_reset_s=env_float(environ, "BR_PAYMENT_BREAKER_RESET_S", 30.0, minimum=0.0),
        )
