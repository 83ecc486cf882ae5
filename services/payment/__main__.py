"""``python -m services.payment``: serve payment-service with uvicorn."""

from __future__ import annotations

import importlib.util
import os
import sys

import uvicorn

from services.payment.app import SERVICE, create_app
from services.payment.settings import Settings
from services.shared.observability import configure_logging
from services.shared.settings import SettingsError


def _factory() -> object:
    # uvicorn's workers import the app by name in fresh processes; each builds it (and its logging) itself.
    settings = Settings.from_env(os.environ)
    configure_logging(SERVICE, settings.log_level)
    return create_app(settings)


def main() -> None:
    try:
        settings = Settings.from_env(os.environ)
    except SettingsError as exc:
        print(f"{SERVICE}: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    configure_logging(SERVICE, settings.log_level)
    uvicorn.run(
        "services.payment.__main__:_factory",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        loop="uvloop",
        http="httptools" if importlib.util.find_spec("httptools") else "h11",
        log_config=None,
        access_log=False,
    )


if __name__ == "__main__":
    main()
