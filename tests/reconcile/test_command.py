"""The command: exit codes, run-id dedupe across replicas, report and metrics files, Redis loss -> rebuild."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sync.rebuild import add_arguments as rebuild_arguments
from sync.rebuild import run_command as rebuild_command
from sync.reconcile.command import add_arguments, run
from sync.reconcile.findings import Kind
from tests.reconcile.support import Rig


def _args(tmp_path: Path, *argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    parser.add_argument("--metrics-port", type=int, default=0)
    return parser.parse_args(["--report", str(tmp_path / "report.json"), "--progress-every", "0", *argv])


async def test_redis_loss_is_reported_and_rebuild_restores_it(rig: Rig, tmp_path: Path) -> None:
    sale = await rig.sale(zones=2, seats=20)
    held = await rig.reserve(sale, sale.zone_ids[0], 2)
    await rig.confirm(sale, await rig.reserve(sale, sale.zone_ids[1], 3))
    redis = rig.engine.redis
    for key in [k async for k in redis.scan_iter(match=f"{rig.engine.keys.prefix}:*")]:
        await redis.unlink(key)  # the sale's keys are gone

    lost = await run(_args(tmp_path, "--run-id", "reconcile:loss-1"), rig.environ, asyncio.Event())
    report = json.loads((tmp_path / "report.json").read_text())
    rebuilt = await rebuild_command(_rebuild_args(), rig.environ, asyncio.Event())
    clean = await run(_args(tmp_path, "--run-id", "reconcile:loss-2"), rig.environ, asyncio.Event())

    assert lost == 1
    assert report["summary"]["drift_by_kind"] == {
        Kind.SALE_MISSING: 2,
        Kind.HOLD_MISSING: 1,
        Kind.CONFIRMED_HOLD_MISSING: 1,
    }
    assert (rebuilt, clean) == (0, 0)
    await rig.assert_consistent(sale)
    assert (await rig.engine.release(sale.event_id, held, "cancelled")).quantity == 2


def _rebuild_args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    rebuild_arguments(parser)
    return parser.parse_args(["--progress-every", "0", *argv])


async def test_rebuild_refuses_live_counters_unless_forced(rig: Rig, capsys: pytest.CaptureFixture[str]) -> None:
    sale = await rig.sale(zones=1)
    await rig.reserve(sale, sale.zone_ids[0], 1)

    refused = await rebuild_command(_rebuild_args(), rig.environ, asyncio.Event())
    forced = await rebuild_command(_rebuild_args("--force"), rig.environ, asyncio.Event())

    assert (refused, forced) == (2, 0)
    assert "refused: counters are live" in capsys.readouterr().err
    await rig.assert_consistent(sale)


async def test_two_replicas_with_one_run_id_do_one_run(
    rig: Rig, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sale = await rig.sale(zones=1)
    await rig.reserve(sale, sale.zone_ids[0], 1)
    metrics = tmp_path / "reconcile.prom"

    codes = await asyncio.gather(
        run(
            _args(tmp_path, "--run-id", "reconcile:dup", "--metrics-textfile", str(metrics)),
            rig.environ,
            asyncio.Event(),
        ),
        run(
            _args(tmp_path, "--run-id", "reconcile:dup", "--metrics-textfile", str(metrics)),
            rig.environ,
            asyncio.Event(),
        ),
    )
    later = await run(_args(tmp_path, "--run-id", "reconcile:dup"), rig.environ, asyncio.Event())

    assert sorted(codes) == [0, 0] and later == 0
    err = capsys.readouterr().err
    assert err.count("already done or running elsewhere") == 2
    assert err.count("zones in") == 1
    text = await asyncio.to_thread(metrics.read_text)  # written by the one replica that ran
    assert "reconcile_exit_code 0.0" in text
    assert 'reconcile_drift_found{kind="redis_counters_mismatch"} 0.0' in text


def _cli(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sync", "reconcile", "--progress-every", "0", *argv],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def test_exit_codes_from_the_command_line(rig: Rig, tmp_path: Path) -> None:
    sale = await rig.sale(zones=1)
    await rig.engine.redis.hincrby(rig.engine.keys.zone(sale.event_id, sale.zone_ids[0]), "reserved", 1)
    report = str(tmp_path / "r.json")

    drift = await asyncio.to_thread(_cli, rig.environ, "--run-id", "reconcile:cli-1", "--report", report, "--apply")
    clean = await asyncio.to_thread(_cli, rig.environ, "--run-id", "reconcile:cli-2", "--report", report)
    down = await asyncio.to_thread(
        _cli,
        {**rig.environ, "BR_BOOKING_DB_DSN": "postgresql://booking_svc:x@127.0.0.1:1/booking_db"},
        "--run-id",
        "reconcile:cli-3",
        "--report",
        report,
    )

    assert (drift.returncode, clean.returncode, down.returncode) == (1, 0, 2), (drift.stderr, clean.stderr)
    error_lines = [line for line in down.stderr.splitlines() if "cannot run" in line]
    assert len(error_lines) == 1 and "Error" in error_lines[0]
    assert json.loads(await asyncio.to_thread(Path(report).read_text))["exit_code"] == 2
