"""Verification: the same figures computed on the source (one snapshot) and on each target, compared.

Per table: row count, a content checksum (every copied column except the write-once snapshot), the spec's sums,
and for bookings that every snapshot is filled in. Reads only; safe to run at any time (``--verify-only``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import asyncpg

from deploy.split.plan import TablePlan

__all__ = ["Check", "format_checks", "verify"]


@dataclass(frozen=True, slots=True)
class Check:
    table: str
    metric: str
    source: Decimal
    target: Decimal

    @property
    def ok(self) -> bool:
        return self.source == self.target


def _queries(plan: TablePlan) -> tuple[list[str], str, str]:
    source_checksum, target_checksum = plan.checksum_exprs()
    labels = ["rows", "checksum", *(m.label for m in plan.spec.metrics)]
    source_exprs = ["count(*)", source_checksum, *(m.source_sql for m in plan.spec.metrics)]
    target_exprs = ["count(*)", target_checksum, *(m.target_sql for m in plan.spec.metrics)]
    source_sql = f"SELECT {', '.join(f'({e})::numeric' for e in source_exprs)} FROM {plan.source_from}"
    target_sql = f"SELECT {', '.join(f'({e})::numeric' for e in target_exprs)} FROM {plan.name}"
    return labels, source_sql, target_sql


async def verify(
    plans: Sequence[TablePlan], source: asyncpg.Connection, targets: Mapping[str, asyncpg.Connection]
) -> list[Check]:
    checks: list[Check] = []
    source_rows: dict[str, asyncpg.Record] = {}
    # One snapshot for the whole source, so figures of different tables are mutually consistent.
    async with source.transaction(isolation="repeatable_read", readonly=True):
        for plan in plans:
            _, source_sql, _ = _queries(plan)
            row = await source.fetchrow(source_sql)
            assert row is not None
            source_rows[plan.name] = row
    for plan in plans:
        labels, _, target_sql = _queries(plan)
        target_row = await targets[plan.spec.database].fetchrow(target_sql)
        assert target_row is not None
        for i, label in enumerate(labels):
            checks.append(Check(plan.name, label, source_rows[plan.name][i], target_row[i]))
    return checks


def format_checks(checks: Sequence[Check]) -> str:
    header = ("table", "metric", "source", "target", "")
    body = [
        (c.table, c.metric, _short(c.source, c.metric), _short(c.target, c.metric), "ok" if c.ok else "MISMATCH")
        for c in checks
    ]
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(r)).rstrip() for r in [header, *body]]
    lines.insert(1, "  ".join("-" * w for w in widths).rstrip())
    return "\n".join(lines)


def _short(value: Decimal, metric: str) -> str:
    # A checksum is an opaque number; its last digits are enough to eyeball equality.
    text = f"{value:f}"  # plain digits, never "2E+4"
    return f"…{text[-10:]}" if metric == "checksum" and len(text) > 10 else text
