"""Reconciliation of Redis (engine) against booking_db and ticket_db: ``python -m sync reconcile``.
See docs/operations.md. Modules: sources (SQL), analyze (pure comparison), repair (verify + compare-and-set),
run (one run over every live sale), command (CLI, dedupe, exit codes), output (report, metrics)."""

__all__ = ["analyze", "command", "findings", "output", "progress", "repair", "run", "sources", "stores"]
