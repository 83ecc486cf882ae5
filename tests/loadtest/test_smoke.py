"""A short real flash sale through the gateway: a few hundred buyers against 120 seats (so it sells out), then the
drain, the audit and the report — exactly what ``python -m loadtest run`` does, on this test's own tenant."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import httpx

from tests.support.system import new_tenant

REPO = Path(__file__).resolve().parents[2]


async def test_flash_sale_smoke_run_sells_out_and_passes_the_audit(running_system: str, tmp_path: Path) -> None:
    async with httpx.AsyncClient(base_url=running_system, timeout=30) as client:
        tenant = await new_tenant(client)
        sale = await tenant.sale([60, 60], max_per_user=4, max_per_order=2)
    demo = tmp_path / "sale.json"
    demo.write_text(
        json.dumps(
            {
                "gateway": running_system,
                "tenant_slug": tenant.slug,
                "tenant_id": tenant.tenant_id,
                "event_id": sale.event_id,
                "shows": [
                    {"show_id": sale.show_id, "zones": [{"zone_id": z, "total_seats": 60} for z in sale.zone_ids]}
                ],
            }
        )
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "loadtest", "run",
        "--users", "250", "--spawn-rate", "125", "--duration", "20",
        "--demo", str(demo), "--reports-dir", str(tmp_path), "--run-id", "smoke", "--drain-timeout", "45",
        # every buyer pays or cancels quickly; a real login for some of them; think time short so it sells out
        "--login-fraction", "0.04", "--think-min-s", "0.1", "--think-max-s", "0.5",
        cwd=REPO, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await asyncio.wait_for(process.communicate(), timeout=200)
    text = output.decode()
    report_dir = tmp_path / "smoke"
    report = json.loads((report_dir / "report.json").read_text())

    assert report["audit"]["verdict"] == "pass", text
    assert process.returncode == 0, text
    outcomes = report["outcomes"]
    assert outcomes.get("reserved", 0) > 0 and outcomes.get("paid", 0) > 0, outcomes
    assert outcomes.get("sold_out", 0) > 0 and report["sold_out_after_s"] is not None, outcomes
    assert outcomes.get("retry_mismatch", 0) == 0
    assert report["client_replay_mismatches"] == 0
    endpoints = {e["name"] for e in report["endpoints"]}
    assert {"/api/v1/bookings", "/api/v1/shows/{id}/availability", "/api/v1/payments/{id}/pay"} <= endpoints
    assert report["throughput"]["Aggregated"], "no throughput history"
    assert (report_dir / "report.png").stat().st_size > 10_000
    assert "Audit: PASS" in (report_dir / "summary.md").read_text()
