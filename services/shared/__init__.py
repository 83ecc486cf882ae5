"""What every service shares: settings helpers, the JSON error format, token verification, the event envelope,
the outbox writer, observability and the app assembly. Nothing service-specific lives here."""
