"""booking-service settings, read once from the environment at start-up."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from services.shared.settings import (
    DEFAULT_DSNS,
    DEFAULT_JWT_AUDIENCE,
    DEFAULT_JWT_ISSUER,
    DEFAULT_REDIS_URL,
    Secret,
    SettingsError,
    env_float,
    env_int,
    env_pem,
    env_str,
)

__all__ = ["Settings"]


@dataclass(frozen=True, slots=True)
class Settings:
    database_dsn: Secret  # holds the password
    redis_url: Secret
    engine_key_prefix: str
    jwt_public_key_pem: str | None  # None only for the consumer process, which verifies no tokens
    jwt_issuer: str = DEFAULT_JWT_ISSUER
    jwt_audience: str = DEFAULT_JWT_AUDIENCE
    ticket_url: str = "http://127.0.0.1:8002"
    host: str = "127.0.0.1"
    port: int = 8003
    workers: int = 1
    hold_ttl_s: int = 600
    group_commit_max: int = 256
    db_pool_min: int = 2
    db_pool_max: int = 10
    redis_max_connections: int = 64
    catalog_ttl_s: float = 60.0
    ticket_timeout_s: float = 2.0
    log_level: str = "INFO"

    @property
    def hold_ttl_ms(self) -> int:
        return self.hold_ttl_s * 1000

    @classmethod
    def from_env(cls, environ: Mapping[str, str], *, require_jwt: bool = True) -> Settings:
        """``require_jwt=False`` for processes that serve no HTTP (the consumer) and so need no public key."""
        prefix = env_str(environ, "BR_ENGINE_KEY_PREFIX", "br")
        if ":" in prefix or "{" in prefix:
            raise SettingsError("BR_ENGINE_KEY_PREFIX must not contain ':' or '{' (the engine adds its own)")
        public_key = env_pem(environ, "BR_JWT_PUBLIC_KEY") if require_jwt else _optional_pem(environ)
        pool_min = env_int(environ, "BR_BOOKING_DB_POOL_MIN", 2, minimum=1)
        pool_max = env_int(environ, "BR_BOOKING_DB_POOL_MAX", 10, minimum=1)
        if pool_max < pool_min:
            raise SettingsError(f"BR_BOOKING_DB_POOL_MAX ({pool_max}) must be >= BR_BOOKING_DB_POOL_MIN ({pool_min})")
        ticket_url = env_str(environ, "BR_TICKET_URL", "http://127.0.0.1:8002").rstrip("/")
        if not ticket_url.startswith(("http://", "https://")):
            raise SettingsError(f"BR_TICKET_URL must be an http(s) URL, got {ticket_url!r}")
        return cls(
            database_dsn=Secret(env_str(environ, "BR_BOOKING_DB_DSN", DEFAULT_DSNS["booking_db"])),
            redis_url=Secret(env_str(environ, "BR_REDIS_URL", DEFAULT_REDIS_URL)),
            engine_key_prefix=prefix,
            jwt_public_key_pem=public_key,
            jwt_issuer=env_str(environ, "BR_JWT_ISSUER", DEFAULT_JWT_ISSUER),
            jwt_audience=env_str(environ, "BR_JWT_AUDIENCE", DEFAULT_JWT_AUDIENCE),
            ticket_url=ticket_url,
            host=env_str(environ, "BR_BOOKING_HOST", "127.0.0.1"),
            port=env_int(environ, "BR_BOOKING_PORT", 8003, minimum=1),
            workers=env_int(environ, "BR_BOOKING_WORKERS", 1, minimum=1),
            hold_ttl_s=env_int(environ, "BR_BOOKING_HOLD_TTL_S", 600, minimum=1),
            group_commit_max=env_int(environ, "BR_BOOKING_GROUP_COMMIT_MAX", 256, minimum=1),
            db_pool_min=pool_min,
            db_pool_max=pool_max,
            redis_max_connections=env_int(environ, "BR_BOOKING_REDIS_MAX_CONNECTIONS", 64, minimum=1),
            catalog_ttl_s=env_float(environ, "BR_BOOKING_CATALOG_TTL_S", 60.0, minimum=0.0),
            ticket_timeout_s=env_float(environ, "BR_BOOKING_TICKET_TIMEOUT_S", 2.0, minimum=0.05),
            log_level=env_str(environ, "BR_LOG_LEVEL", "INFO"),
        )


def _optional_pem(environ: Mapping[str, str]) -> str | None:
    if environ.get("BR_JWT_PUBLIC_KEY") or environ.get("BR_JWT_PUBLIC_KEY_FILE"):
        return env_pem(environ, "BR_JWT_PUBLIC_KEY")
    return None
