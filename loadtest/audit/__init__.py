"""Whole-system audit after a load test: ``python -m loadtest.audit [--event-id ID]``. See docs/loadtest.md."""

from loadtest.audit.checks import Check, run_checks
from loadtest.audit.core import AuditError, AuditResult, run_audit
from loadtest.audit.facts import BookingRow, Counts, Facts, PaymentRow

__all__ = [
    "AuditError",
    "AuditResult",
    "BookingRow",
    "Check",
    "Counts",
    "Facts",
    "PaymentRow",
    "run_audit",
    "run_checks",
]
