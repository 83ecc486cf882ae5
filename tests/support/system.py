"""The whole system as production runs it: every service, relay, consumer and worker as its own process behind the
nginx gateway (deploy/processes.py), plus API helpers to set up tenants, users and sales through HTTP.

Session fixture ``running_system`` (tests/conftest.py) starts the processes unless they already run (e.g. under
``make up``) and stops only what it started. Each test makes its own tenant, so tests never share data.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx

from deploy import processes

GATEWAY = os.environ.get("BR_GATEWAY_URL", "http://127.0.0.1:8080")
PASSWORD = "e2e-password-123"


@dataclass
class Actor:
    user_id: str
    tenant_id: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Sale:
    event_id: str
    show_id: str
    zone_ids: list[str]


@dataclass
class Tenant:
    slug: str
    tenant_id: str
    admin: Actor
    organizer: Actor
    client: httpx.AsyncClient
    _customers: int = field(default=0)

    async def login(self, email: str) -> Actor:
        response = await self.client.post(
            "/api/v1/auth/login", json={"tenant_slug": self.slug, "email": email, "password": PASSWORD}
        )
        response.raise_for_status()
        body = response.json()
        return Actor(str(body["user"]["id"]), str(body["user"]["tenant_id"]), str(body["access_token"]))

    async def customer(self) -> Actor:
        self._customers += 1
        email = f"buyer{self._customers}-{uuid.uuid4().hex[:6]}@e2e.dev"
        response = await self.client.post(
            "/api/v1/auth/register", json={"tenant_slug": self.slug, "email": email, "password": PASSWORD}
        )
        response.raise_for_status()
        return await self.login(email)

    async def sale(self, seats: list[int], *, max_per_user: int = 10, max_per_order: int = 10) -> Sale:
        """A published event with one show and one zone per entry of ``seats``."""
        org = self.organizer.headers
        event = await self.client.post(
            "/api/v1/events",
            headers=org,
            json={"name": f"E2E {uuid.uuid4().hex[:8]}", "venue_name": "Hall", "max_tickets_per_user": max_per_user},
        )
        event.raise_for_status()
        event_id = str(event.json()["id"])
        show = await self.client.post(
            f"/api/v1/events/{event_id}/shows",
            headers=org,
            json={"show_date": str(date.today() + timedelta(days=30)), "start_time": "20:00:00+07:00"},
        )
        show.raise_for_status()
        show_id = str(show.json()["id"])
        zone_ids = []
        for index, total in enumerate(seats):
            zone = await self.client.post(
                f"/api/v1/shows/{show_id}/zones",
                headers=org,
                json={"name": f"Z{index}", "price": "1000.00", "total_seats": total, "max_per_order": max_per_order},
            )
            zone.raise_for_status()
            zone_ids.append(str(zone.json()["id"]))
        published = await self.client.post(f"/api/v1/events/{event_id}/publish", headers=org)
        published.raise_for_status()
        return Sale(event_id, show_id, zone_ids)


async def new_tenant(client: httpx.AsyncClient) -> Tenant:
    slug = f"e2e-{uuid.uuid4().hex[:10]}"
    admin_email = f"admin@{slug}.dev"
    create_admin = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.auth",
        "create-admin",
        "--tenant-slug",
        slug,
        "--tenant-name",
        slug,
        "--email",
        admin_email,
        "--password",
        PASSWORD,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=processes.REPO,
    )
    _, stderr = await create_admin.communicate()
    assert create_admin.returncode == 0, stderr.decode()
    tenant = Tenant(slug, "", Actor("", "", ""), Actor("", "", ""), client)
    tenant.admin = await tenant.login(admin_email)
    tenant.tenant_id = tenant.admin.tenant_id
    organizer_email = f"organizer@{slug}.dev"
    created = await client.post(
        f"/api/v1/tenants/{tenant.tenant_id}/users",
        headers=tenant.admin.headers,
        json={"email": organizer_email, "password": PASSWORD, "role": "organizer"},
    )
    created.raise_for_status()
    tenant.organizer = await tenant.login(organizer_email)
    return tenant


async def eventually(probe: Any, *, timeout_s: float = 30.0, interval_s: float = 0.2) -> Any:
    """Await ``probe()`` until it returns something truthy (the saga is asynchronous); fail after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = await probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not reached within {timeout_s}s (last value {value!r})")
        await asyncio.sleep(interval_s)


class SystemProcesses:
    """Starts the application processes that are not running; stops only the ones it started, so a system
    already up (``make up``, or another test session) is left exactly as it was."""

    def __init__(self) -> None:
        self.started: list[processes.ProcessSpec] = []

    def start(self) -> None:
        missing = [spec for spec in processes.process_table(os.environ) if processes._running_pid(spec.name) is None]
        if not missing:
            return
        processes.KEY_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "deploy.jwt_keys", "--out", str(processes.KEY_DIR)], check=True)
        self.started = missing
        code = processes.up(missing, os.environ, wait_s=90)
        assert code == 0, "application processes did not start; see .stack/logs/"

    def stop(self) -> None:
        if self.started:
            processes.down(self.started)
