"""Copy the shared ``booking_rush`` database into auth_db / ticket_db / booking_db / payment_db (design doc,
"Migration Strategy" phases 2-3): resumable keyset batches, idempotent upserts, booking snapshots, verification."""

from deploy.split.plan import SplitError
from deploy.split.runner import EXIT_INCOMPLETE, EXIT_MISMATCH, EXIT_OK, SplitConfig, SplitOutcome, run_split

__all__ = ["EXIT_INCOMPLETE", "EXIT_MISMATCH", "EXIT_OK", "SplitConfig", "SplitError", "SplitOutcome", "run_split"]
