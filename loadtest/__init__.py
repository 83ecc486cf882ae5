"""Locust flash-sale load test, the whole-system audit and the run report (GitHub issue 7). See docs/loadtest.md.

Nothing in ``services``, ``sync`` or ``engine`` imports this package: it is a client of the running system.
"""

__all__: list[str] = []
