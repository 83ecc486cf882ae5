"""End-to-end split of a generated shared database into four fresh service databases (real PostgreSQL)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import asyncpg

from deploy.split import EXIT_INCOMPLETE, EXIT_MISMATCH, EXIT_OK, SplitConfig, SplitOutcome, run_split
from deploy.split.copy import CHECKPOINT_TABLE
from deploy.split.tables import TABLES
from tests.split.conftest import SIZE

EXPECTED_ROWS = {
    "tenants": SIZE.tenants,
    "users": SIZE.users,
    "sessions": SIZE.sessions,
    "categories": SIZE.categories,
    "events": SIZE.events,
    "shows": SIZE.shows,
    "seat_zones": SIZE.zones,
    "bookings": SIZE.bookings,
    "payments": SIZE.payments,
}
DB_OF = {spec.name: spec.database for spec in TABLES}


async def _split(source: str, targets: dict[str, str], **kwargs: object) -> SplitOutcome:
    lines: list[str] = []
    cfg = SplitConfig(source_dsn=source, target_dsns=targets, log=lines.append, **kwargs)  # type: ignore[arg-type]
    return await run_split(cfg)


async def _fetchval(dsn: str, sql: str, *args: object) -> object:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetchval(sql, *args)
    finally:
        await conn.close()


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "deploy.split", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONWARNINGS": "error"},
        check=False,
    )


def _target_args(targets: dict[str, str]) -> list[str]:
    return [arg for db, dsn in targets.items() for arg in (f"--{db.removesuffix('_db')}", dsn)]


async def test_full_split_copies_verifies_and_rerun_is_a_no_op(source_dsn: str, target_dsns: dict[str, str]) -> None:
    started = time.monotonic()
    first = await _split(source_dsn, target_dsns)
    elapsed = time.monotonic() - started
    print(f"\nfull split of {sum(EXPECTED_ROWS.values())} rows: {elapsed:.1f}s")
    assert first.exit_code == EXIT_OK, first.mismatches
    assert {r.table: r.inserted for r in first.results} == EXPECTED_ROWS
    for table, rows in EXPECTED_ROWS.items():
        assert await _fetchval(target_dsns[DB_OF[table]], f"SELECT count(*) FROM {table}") == rows
    # Verification covered counts, checksums and the sums the brief names; check the sums independently too.
    checked = {(c.table, c.metric) for c in first.checks if c.ok}
    for metric in [
        ("seat_zones", "sum(available_seats)"),
        ("bookings", "sum(total_amount)"),
        ("payments", "sum(amount)"),
    ]:
        assert metric in checked
    for table, column in [("seat_zones", "sold_seats"), ("bookings", "total_amount"), ("payments", "amount")]:
        sql = f"SELECT sum({column}) FROM {table}"
        assert await _fetchval(source_dsn, sql) == await _fetchval(target_dsns[DB_OF[table]], sql)

    second = await _split(source_dsn, target_dsns)
    assert second.exit_code == EXIT_OK
    assert all(r.completed and r.inserted == 0 and r.updated == 0 for r in second.results), second.results


async def test_snapshots_match_the_joined_source_rows(source_dsn: str, target_dsns: dict[str, str]) -> None:
    assert (await _split(source_dsn, target_dsns)).exit_code == EXIT_OK
    src = await asyncpg.connect(source_dsn)
    dst = await asyncpg.connect(target_dsns["booking_db"])
    try:
        expected = await src.fetch(
            "SELECT b.id, e.name, sh.show_date, sh.start_time, z.name AS zone, e.venue_name FROM bookings b"
            " JOIN events e ON e.id = b.event_id JOIN shows sh ON sh.id = b.show_id"
            " JOIN seat_zones z ON z.id = b.zone_id"
            " ORDER BY md5(b.id::text) LIMIT 200"
        )
        got = {
            r["id"]: tuple(r.values())
            for r in await dst.fetch(
                "SELECT id, event_name, show_date, show_time, zone_name, venue_name FROM bookings WHERE id = ANY($1)",
                [r["id"] for r in expected],
            )
        }
        assert {r["id"]: tuple(r.values()) for r in expected} == got
        nulls = await dst.fetchval(
            "SELECT count(*) FROM bookings WHERE event_name IS NULL OR show_date IS NULL OR show_time IS NULL"
            " OR zone_name IS NULL"
        )
        assert nulls == 0
        src_null_venues = await src.fetchval(
            "SELECT count(*) FROM bookings b JOIN events e ON e.id = b.event_id WHERE e.venue_name IS NULL"
        )
        assert src_null_venues > 0
        assert await dst.fetchval("SELECT count(*) FROM bookings WHERE venue_name IS NULL") == src_null_venues
    finally:
        await src.close()
        await dst.close()


async def test_interrupted_run_resumes_and_completes(source_dsn: str, target_dsns: dict[str, str]) -> None:
    partial = await _split(source_dsn, target_dsns, batch_size=2000, max_batches=3)
    assert partial.exit_code == EXIT_INCOMPLETE
    assert not partial.checks  # no verification of a half-copied target
    copied_before = await _fetchval(target_dsns["booking_db"], "SELECT count(*) FROM bookings")
    assert isinstance(copied_before, int)
    assert 0 < copied_before < SIZE.bookings  # booking_db's only big table: 3 batches of 2000
    assert await _fetchval(target_dsns["booking_db"], f"SELECT rows_seen FROM {CHECKPOINT_TABLE}") == copied_before

    resumed = await _split(source_dsn, target_dsns, batch_size=2000)
    assert resumed.exit_code == EXIT_OK, resumed.mismatches
    by_table = {r.table: r for r in resumed.results}
    # Resumed after the checkpoint: the already-copied rows were not read again.
    assert by_table["bookings"].inserted == SIZE.bookings - copied_before
    assert by_table["bookings"].seen == SIZE.bookings
    assert await _fetchval(target_dsns["booking_db"], "SELECT count(*) FROM bookings") == SIZE.bookings


async def test_rerun_is_the_final_sync(source_dsn: str, target_dsns: dict[str, str]) -> None:
    assert (await _split(source_dsn, target_dsns)).exit_code == EXIT_OK
    src = await asyncpg.connect(source_dsn)
    try:
        booking_id = await src.fetchval(
            "UPDATE bookings SET status = 'cancelled', status_reason = 'final-sync test', updated_at = now()"
            " WHERE id = (SELECT id FROM bookings WHERE status = 'reserved' ORDER BY id DESC LIMIT 1) RETURNING id"
        )
        zone_id = await src.fetchval(
            "UPDATE seat_zones SET sold_seats = sold_seats + 1, available_seats = available_seats - 1,"
            " updated_at = now()"
            " WHERE id = (SELECT id FROM seat_zones WHERE available_seats > 0 ORDER BY id LIMIT 1) RETURNING id"
        )
        tenant_id = await src.fetchval("SELECT id FROM tenants ORDER BY slug LIMIT 1")
        user_id = await src.fetchval(
            "INSERT INTO users (tenant_id, email, password_hash) VALUES ($1, 'late-' || gen_random_uuid() || '@x.io',"
            " 'h') RETURNING id",
            tenant_id,
        )
    finally:
        await src.close()
    # A row the new service already changed later than the source keeps its newer value.
    await _fetchval(
        target_dsns["payment_db"],
        "UPDATE payments SET status = 'refunded', updated_at = now() + interval '1 hour'"
        " WHERE id = (SELECT id FROM payments ORDER BY id LIMIT 1)",
    )

    sync = await _split(source_dsn, target_dsns)
    by_table = {r.table: r for r in sync.results}
    assert (by_table["bookings"].updated, by_table["seat_zones"].updated, by_table["users"].inserted) == (1, 1, 1)
    assert by_table["payments"].updated == 0
    status = await _fetchval(target_dsns["booking_db"], "SELECT status FROM bookings WHERE id = $1", booking_id)
    assert status == "cancelled"
    assert await _fetchval(target_dsns["auth_db"], "SELECT count(*) FROM users WHERE id = $1", user_id) == 1
    sold = "SELECT sold_seats FROM seat_zones WHERE id = $1"
    assert await _fetchval(target_dsns["ticket_db"], sold, zone_id) == await _fetchval(source_dsn, sold, zone_id)
    # ...and verification reports that kept-newer payment as a difference rather than hiding it.
    assert sync.exit_code == EXIT_MISMATCH
    assert {c.table for c in sync.mismatches} == {"payments"}


async def test_verify_only_detects_a_tampered_target(source_dsn: str, target_dsns: dict[str, str]) -> None:
    assert (await _split(source_dsn, target_dsns)).exit_code == EXIT_OK
    ok = _cli("--source", source_dsn, *_target_args(target_dsns), "--verify-only")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "verification passed" in ok.stdout

    await _fetchval(
        target_dsns["booking_db"], "DELETE FROM bookings WHERE id = (SELECT id FROM bookings ORDER BY id DESC LIMIT 1)"
    )
    tampered = _cli("--source", source_dsn, *_target_args(target_dsns), "--verify-only")
    assert tampered.returncode == EXIT_MISMATCH, tampered.stdout + tampered.stderr
    assert "verification FAILED: bookings.checksum, bookings.rows" in tampered.stdout
    assert "bookings" in tampered.stdout and "MISMATCH" in tampered.stdout
    assert "payments" not in tampered.stdout.split("verification FAILED")[1]


async def test_unreachable_database_exits_2_with_one_line(source_dsn: str, target_dsns: dict[str, str]) -> None:
    bad = _cli("--source", "postgresql://nobody:wrong@127.0.0.1:5432/no_such_db", *_target_args(target_dsns))
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr
    lines = bad.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("split: cannot connect to source"), bad.stderr
    assert "wrong" not in bad.stderr  # the password is never echoed

    # payment_svc may only reach payment databases: pointing it at a booking database is refused, named, exit 2.
    booking_name = target_dsns["booking_db"].rpartition("/")[2]
    wrong_role = {**target_dsns, "payment_db": target_dsns["payment_db"].rpartition("/")[0] + "/" + booking_name}
    refused = _cli("--source", source_dsn, *_target_args(wrong_role), "--verify-only")
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert refused.stderr.startswith("split: cannot connect to payment_db:"), refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
