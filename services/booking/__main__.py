"""``python -m services.booking``: serve the API with uvicorn (uvloop, several workers possible)."""

from __future__ import annotations

import importlib.util
import os

import uvicorn

from services.booking.app import create_app
from services.booking.settings import Settings
from services.shared.observability import configure_logging


def app_factory() -> object:
    """Imported by each uvicorn worker process (``factory=True``): settings are re-read there."""
    settings = Settings.from_env(os.environ)
    configure_logging("booking-service", settings.log_level)
    return create_app(settings)


def main() -> None:
    settings = Settings.from_env(os.environ)  # fail fast, before any worker starts
    configure_logging("booking-service", settings.log_level)
    uvicorn.run(
        "services.booking.__main__:app_factory",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        loop="uvloop",
        http="httptools" if importlib.util.find_spec("httptools") else "h11",
        access_log=False,
        log_config=None,
    )


if __name__ == "__main__":
    main()
