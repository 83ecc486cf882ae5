"""payment-service: pending payments from booking.reserved, card charges through a gateway behind timeout,
retries and a circuit breaker, refunds on cancellation; payment.* events through the transactional outbox."""

from services.payment.app import create_app
from services.payment.settings import Settings

__all__ = ["Settings", "create_app"]
