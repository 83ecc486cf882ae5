"""``python -m services.booking``: serve the API with uvicorn (see services/shared/serve.py)."""

from __future__ import annotations

import os

from starlette.applications import Starlette

from services.booking.app import create_app
from services.booking.settings import Settings
from services.shared.observability import configure_logging
from services.shared.serve import serve


def app_factory() -> Starlette:
    """Imported by each uvicorn worker process (``factory=True``): settings are re-read there."""
    settings = Settings.from_env(os.environ)
    configure_logging("booking-service", settings.log_level)
    return create_app(settings)


def main() -> None:
    serve("booking-service", "services.booking.__main__:app_factory", lambda: Settings.from_env(os.environ))


if __name__ == "__main__":
    main()
