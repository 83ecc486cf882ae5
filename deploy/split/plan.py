"""Per-table SQL, built from the live column lists of the source and the migrated target.

Copied columns = source columns that the target also has, plus the spec's derived columns. A source column the
target lacks would be lost silently, so it stops the run instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from deploy.split.tables import TableSpec

__all__ = ["SplitError", "TablePlan", "build_plan", "table_columns"]


class SplitError(RuntimeError):
    """The split cannot run (schema drift, missing table); the message names what is wrong."""


async def table_columns(conn: asyncpg.Connection, table: str) -> list[str]:
    rows = await conn.fetch(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
        table,
    )
    return [row["column_name"] for row in rows]


@dataclass(frozen=True, slots=True)
class TablePlan:
    spec: TableSpec
    columns: tuple[str, ...]  # target column names, in copy order; "id" first
    source_exprs: tuple[str, ...]  # matching SQL over the source row ``s``

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def source_from(self) -> str:
        return f"{self.spec.name} s {self.spec.joins}".rstrip()

    def select_batch_sql(self, *, first: bool) -> str:
        # Keyset pagination on the primary key: each batch is an index range scan, however deep into the table.
        # The first batch has no lower bound (a separate statement, so the prepared plan keeps its range scan).
        where = "" if first else " WHERE s.id > $2"
        return f"SELECT {', '.join(self.source_exprs)} FROM {self.source_from}{where} ORDER BY s.id LIMIT $1"

    @property
    def stage(self) -> str:
        return f"split_stage_{self.spec.name}"

    def create_stage_sql(self) -> str:
        # Same column types as the target (taken from it), so COPY encodes exactly what the INSERT expects.
        return (
            f"CREATE TEMP TABLE IF NOT EXISTS {self.stage} ON COMMIT DELETE ROWS AS"
            f" SELECT {', '.join(self.columns)} FROM {self.spec.name} WITH NO DATA"
        )

    def upsert_sql(self) -> str:
        """Insert new rows; update changed ones (the "final sync"), never a target row that is newer."""
        cols = ", ".join(self.columns)
        mutable = [c for c in self.columns if c != "id" and c not in self.spec.insert_only]
        assignments = ", ".join(f"{c} = EXCLUDED.{c}" for c in mutable)
        target_row = ", ".join(f"t.{c}" for c in mutable)
        source_row = ", ".join(f"EXCLUDED.{c}" for c in mutable)
        # Compare whole rows rather than trusting updated_at alone: old code may change a row without bumping it.
        # But if both carry updated_at and the target's is later (a dual-write already landed), keep the target.
        condition = f"ROW({target_row}) IS DISTINCT FROM ROW({source_row})"
        if "updated_at" in self.columns:
            condition += (
                " AND (t.updated_at IS NULL OR EXCLUDED.updated_at IS NULL OR EXCLUDED.updated_at >= t.updated_at)"
            )
        return (
            f"WITH written AS (INSERT INTO {self.spec.name} AS t ({cols}) SELECT {cols} FROM {self.stage}"
            f" ON CONFLICT (id) DO UPDATE SET {assignments} WHERE {condition}"
            " RETURNING (xmax = 0) AS inserted)"
            " SELECT count(*) FILTER (WHERE inserted) AS inserted, count(*) FILTER (WHERE NOT inserted) AS updated"
            " FROM written"
        )

    def checksum_exprs(self) -> tuple[str, str]:
        """(source, target) order-independent content checksums over the columns a sync keeps equal."""
        pairs = [(c, e) for c, e in zip(self.columns, self.source_exprs, strict=True) if c not in self.spec.insert_only]

        def digest(row: str) -> str:
            # 60 bits of each row's md5, summed as numeric: independent of row order, no big aggregate in memory.
            return f"coalesce(sum(('x' || substr(md5(ROW({row})::text), 1, 15))::bit(60)::bigint::numeric), 0)"

        return digest(", ".join(e for _, e in pairs)), digest(", ".join(c for c, _ in pairs))


async def build_plan(spec: TableSpec, source: asyncpg.Connection, target: asyncpg.Connection) -> TablePlan:
    source_cols = await table_columns(source, spec.name)
    if not source_cols:
        raise SplitError(f"source has no table {spec.name!r}")
    target_cols = await table_columns(target, spec.name)
    if not target_cols:
        raise SplitError(f"{spec.database} has no table {spec.name!r} (migrations not applied?)")
    lost = [c for c in source_cols if c not in target_cols]
    if lost:
        raise SplitError(f"{spec.name}: source columns missing in {spec.database}: {', '.join(lost)}")
    missing_derived = [c for c in spec.derived if c not in target_cols]
    if missing_derived:
        raise SplitError(f"{spec.name}: derived columns missing in {spec.database}: {', '.join(missing_derived)}")
    columns = [c for c in target_cols if c in source_cols or c in spec.derived]
    exprs = [spec.derived.get(c, f"s.{c}") for c in columns]
    if columns[0] != "id":
        raise SplitError(f"{spec.name}: expected 'id' as the first column")
    return TablePlan(spec, tuple(columns), tuple(exprs))
