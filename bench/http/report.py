"""The Markdown report: one row per measured window, then the target ratios per connection count."""

from __future__ import annotations

from bench.http.run import Measured

__all__ = ["render"]

_NAMES = {
    "ceiling": "hello-world Starlette (ceiling)",
    "naive": "naive peer: shared PostgreSQL UPDATE + INSERT",
    "reserve": "booking-service reserve",
    "sold-out": "booking-service sold-out (409)",
}
# (numerator, denominator, target, how the target reads)
TARGETS = [("reserve", "ceiling", 0.35, ">= 0.35"), ("reserve", "naive", 10.0, ">= 10x"),
           ("sold-out", "ceiling", 0.7, ">= 0.7")]  # fmt: skip
SUSPECT = 0.01  # a window with more than 1 % unexpected answers is not a result


def _statuses(m: Measured) -> str:
    parts = [f"{code}: {n:,}" for code, n in sorted(m.result.status.items())]
    errors = [f"{kind} {n}" for kind, n in m.result.socket_errors.items() if n]
    return ", ".join(parts + errors)


def render(measured: list[Measured], connections: list[int]) -> tuple[str, list[str]]:
    """The tables, and one verdict line per target."""
    lines = [
        "| scenario | conns | requests | req/s | p50 ms | p99 ms | answers | CPU cores: server / wrk / other |",
        "|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for m in measured:
        bad = m.unexpected > SUSPECT * max(1, m.result.requests)
        flag = " **INVALID**" if bad else ""
        lines.append(
            f"| {_NAMES[m.scenario]}{flag} | {m.result.connections} | {m.result.requests:,} "
            f"| {m.result.per_second:,.0f} | {m.result.p50_ms:.1f} | {m.result.p99_ms:.1f} | {_statuses(m)} "
            f"| {m.cpu.server:.2f} / {m.cpu.wrk:.2f} / {m.cpu.other:.2f} |"
        )
    rate = {(m.scenario, m.result.connections): m for m in measured}
    lines += ["", "| conns | " + " | ".join(f"{a} / {b} ({t})" for a, b, _, t in TARGETS) + " |",
              "|---:|" + "---:|" * len(TARGETS)]  # fmt: skip
    verdicts: list[str] = []
    met: dict[int, list[bool]] = {i: [] for i in range(len(TARGETS))}
    for c in connections:
        cells = []
        for i, (a, b, target, _) in enumerate(TARGETS):
            num, den = rate.get((a, c)), rate.get((b, c))
            if num is None or den is None:
                cells.append("n/a")
                continue
            valid = all(m.unexpected <= SUSPECT * max(1, m.result.requests) for m in (num, den))
            ratio = num.result.per_second / den.result.per_second
            met[i].append(valid and ratio >= target)
            cells.append(f"{ratio:.2f}{'' if valid else ' (invalid)'}")
        lines.append(f"| {c} | " + " | ".join(cells) + " |")
    for i, (a, b, _, t) in enumerate(TARGETS):
        hits = [c for c, ok in zip(connections, met[i], strict=False) if ok]
        state = "met at every connection count" if len(hits) == len(connections) else (
            f"met at {', '.join(map(str, hits))} connections only" if hits else "NOT met")  # fmt: skip
        verdicts.append(f"- {a} / {b} {t}: {state}")
    return "\n".join(lines) + "\n", verdicts
