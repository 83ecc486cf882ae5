"""auth-service: tenants, users and sessions in auth_db; issues RS256 (RSA) access tokens and rotating refresh tokens.

See docs/auth.md. ``create_app(settings)`` builds the Starlette app; ``python -m services.auth`` runs it.
"""

from services.auth.app import create_app
from services.auth.settings import Settings

__all__ = ["Settings", "create_app"]
