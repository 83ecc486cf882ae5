"""Reading settings from the environment: typed getters that fail fast and name the bad key.

Each service builds one frozen settings dataclass from these at start-up (``Settings.from_env(os.environ)``) and
passes it down explicitly; nothing below ``main`` reads ``os.environ``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "DEFAULT_DSNS",
    "DEFAULT_JWT_AUDIENCE",
    "DEFAULT_JWT_ISSUER",
    "DEFAULT_KAFKA_BOOTSTRAP",
    "DEFAULT_REDIS_URL",
    "Secret",
    "SettingsError",
    "env_bool",
    "env_float",
    "env_int",
    "env_pem",
    "env_str",
]

# Defaults match the local stack (deploy/local/stack.sh); production overrides every one of them.
DEFAULT_DSNS: dict[str, str] = {
    "auth_db": "postgresql://auth_svc:auth_svc_pw@127.0.0.1:5432/auth_db",
    "ticket_db": "postgresql://ticket_svc:ticket_svc_pw@127.0.0.1:5432/ticket_db",
    "booking_db": "postgresql://booking_svc:booking_svc_pw@127.0.0.1:5432/booking_db",
    "payment_db": "postgresql://payment_svc:payment_svc_pw@127.0.0.1:5432/payment_db",
}
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
DEFAULT_KAFKA_BOOTSTRAP = "127.0.0.1:9092"
DEFAULT_JWT_ISSUER = "booking-rush-auth"
DEFAULT_JWT_AUDIENCE = "booking-rush"


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the environment key."""


@dataclass(frozen=True, slots=True)
class Secret:
    """A value that must never appear in logs, reprs or tracebacks."""

    _value: str

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__


def env_str(environ: Mapping[str, str], key: str, default: str | None = None) -> str:
    value = environ.get(key, default)
    if value is None or value == "":
        raise SettingsError(f"{key} is required but not set")
    return value


def env_int(environ: Mapping[str, str], key: str, default: int, *, minimum: int | None = None) -> int:
    raw = environ.get(key)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{key} must be an integer, got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise SettingsError(f"{key} must be >= {minimum}, got {value}")
    return value


def env_float(environ: Mapping[str, str], key: str, default: float, *, minimum: float | None = None) -> float:
    raw = environ.get(key)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{key} must be a number, got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise SettingsError(f"{key} must be >= {minimum}, got {value}")
    return value


def env_bool(environ: Mapping[str, str], key: str, default: bool) -> bool:
    raw = environ.get(key)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{key} must be a boolean (true/false), got {raw!r}")


def env_pem(environ: Mapping[str, str], key: str) -> str:
    """A PEM key given inline (``KEY``) or as a file path (``KEY_FILE``); inline wins."""
    inline = environ.get(key)
    if inline:
        return inline.replace("\\n", "\n")
    path = environ.get(f"{key}_FILE")
    if not path:
        raise SettingsError(f"{key} or {key}_FILE is required but neither is set")
    try:
        with open(path, encoding="ascii") as handle:
            return handle.read()
    except OSError as exc:
        raise SettingsError(f"{key}_FILE={path!r} cannot be read: {exc.strerror}") from None
