"""auth-service settings: one frozen dataclass built from the environment at start-up."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from services.shared.settings import (
    DEFAULT_DSNS,
    DEFAULT_JWT_AUDIENCE,
    DEFAULT_JWT_ISSUER,
    Secret,
    SettingsError,
    env_int,
    env_pem,
    env_str,
)

__all__ = ["MAX_ACCESS_TOKEN_TTL_S", "PasswordPolicy", "Settings", "database_dsn"]

# Access tokens are verified offline by every service and cannot be revoked, so their lifetime is the window in
# which a disabled account or a stolen token still works: never more than 15 minutes.
MAX_ACCESS_TOKEN_TTL_S = 900
# OWASP's Argon2id floor (m=19 MiB, t=2, p=1); settings may raise these, never lower them.
MIN_ARGON2_MEMORY_KIB = 19456
MIN_ARGON2_TIME_COST = 2


def database_dsn(environ: Mapping[str, str]) -> Secret:
    return Secret(env_str(environ, "BR_AUTH_DB_DSN", DEFAULT_DSNS["auth_db"]))


@dataclass(frozen=True, slots=True)
class PasswordPolicy:
    """Argon2id cost parameters (parallelism is always 1) and password length bounds."""

    memory_cost_kib: int = MIN_ARGON2_MEMORY_KIB
    time_cost: int = MIN_ARGON2_TIME_COST
    min_length: int = 8
    # Argon2 accepts any length; the cap only stops multi-kilobyte "passwords" from being a cheap DoS.
    max_length: int = 256

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> PasswordPolicy:
        return cls(
            memory_cost_kib=env_int(
                environ, "BR_AUTH_ARGON2_MEMORY_KIB", MIN_ARGON2_MEMORY_KIB, minimum=MIN_ARGON2_MEMORY_KIB
            ),
            time_cost=env_int(environ, "BR_AUTH_ARGON2_TIME_COST", MIN_ARGON2_TIME_COST, minimum=MIN_ARGON2_TIME_COST),
        )


@dataclass(frozen=True, slots=True)
class Settings:
    dsn: Secret
    jwt_private_key: Secret
    jwt_public_key: str
    jwt_issuer: str = DEFAULT_JWT_ISSUER
    jwt_audience: str = DEFAULT_JWT_AUDIENCE
    access_token_ttl_s: int = MAX_ACCESS_TOKEN_TTL_S
    refresh_token_ttl_s: int = 30 * 24 * 3600
    passwords: PasswordPolicy = PasswordPolicy()
    host: str = "127.0.0.1"
    port: int = 8001
    workers: int = 1
    db_pool_min: int = 2
    db_pool_max: int = 10
    log_level: str = "INFO"

    def __post_init__(self) -> None:
        if not 1 <= self.access_token_ttl_s <= MAX_ACCESS_TOKEN_TTL_S:
            raise SettingsError(
                f"BR_AUTH_ACCESS_TOKEN_TTL_S must be between 1 and {MAX_ACCESS_TOKEN_TTL_S}, "
                f"got {self.access_token_ttl_s}"
            )
        if self.db_pool_max < self.db_pool_min:
            raise SettingsError("BR_AUTH_DB_POOL_MAX must be >= BR_AUTH_DB_POOL_MIN")

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        return cls(
            dsn=database_dsn(environ),
            jwt_private_key=Secret(env_pem(environ, "BR_JWT_PRIVATE_KEY")),
            jwt_public_key=env_pem(environ, "BR_JWT_PUBLIC_KEY"),
            jwt_issuer=env_str(environ, "BR_JWT_ISSUER", DEFAULT_JWT_ISSUER),
            jwt_audience=env_str(environ, "BR_JWT_AUDIENCE", DEFAULT_JWT_AUDIENCE),
            access_token_ttl_s=env_int(environ, "BR_AUTH_ACCESS_TOKEN_TTL_S", MAX_ACCESS_TOKEN_TTL_S, minimum=1),
            refresh_token_ttl_s=env_int(environ, "BR_AUTH_REFRESH_TOKEN_TTL_S", 30 * 24 * 3600, minimum=60),
            passwords=PasswordPolicy.from_env(environ),
            host=env_str(environ, "BR_AUTH_HOST", "127.0.0.1"),
            port=env_int(environ, "BR_AUTH_PORT", 8001, minimum=1),
            workers=env_int(environ, "BR_AUTH_WORKERS", 1, minimum=1),
            db_pool_min=env_int(environ, "BR_AUTH_DB_POOL_MIN", 2, minimum=1),
            db_pool_max=env_int(environ, "BR_AUTH_DB_POOL_MAX", 10, minimum=1),
            log_level=env_str(environ, "BR_AUTH_LOG_LEVEL", "INFO"),
        )
