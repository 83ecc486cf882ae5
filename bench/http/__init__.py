"""HTTP benchmark of POST /api/v1/bookings: ``python -m bench.http --help``."""
