"""Create the demo sale through the public API: a tenant and its admin, an organizer, an event with shows and
seat zones, published so the sale is open in Redis. Writes what it made to .stack/demo.json for the load test.

    python -m deploy.demo [--gateway URL] [--shows 2] [--zones 3] [--seats-per-zone 500]

Every run publishes a NEW event (a fresh sale to run Locust against); the tenant and users are reused.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parent.parent
STACK_DIR = Path(os.environ.get("BR_STACK_DIR", str(REPO / ".stack")))
DEMO_FILE = STACK_DIR / "demo.json"
TENANT_SLUG = "demo"
ADMIN_EMAIL = "admin@demo.bookingrush.dev"
ORGANIZER_EMAIL = "organizer@demo.bookingrush.dev"
DEMO_PASSWORD = "demo-password-123"  # noqa: S105 - a local demo account, printed for the user on purpose
ZONE_NAMES = ("Diamond", "Gold", "Silver", "Bronze", "Standing")


class DemoError(RuntimeError):
    pass


def _check(response: httpx.Response, *expected: int) -> dict[str, Any]:
    if response.status_code not in expected:
        raise DemoError(
            f"{response.request.method} {response.request.url.path} -> {response.status_code}: {response.text}"
        )
    body: dict[str, Any] = response.json() if response.content else {}
    return body


def _ensure_admin() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "services.auth",
            "create-admin",
            "--tenant-slug",
            TENANT_SLUG,
            "--tenant-name",
            "Demo Promotions",
            "--email",
            ADMIN_EMAIL,
            "--password",
            DEMO_PASSWORD,
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    if result.returncode != 0:
        raise DemoError(f"create-admin failed: {result.stderr.strip() or result.stdout.strip()}")


def _login(client: httpx.Client, email: str) -> tuple[str, str]:
    body = _check(
        client.post("/api/v1/auth/login", json={"tenant_slug": TENANT_SLUG, "email": email, "password": DEMO_PASSWORD}),
        200,
    )
    return str(body["access_token"]), str(body.get("user_id") or body.get("user", {}).get("id", ""))


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def create_demo(gateway: str, shows: int, zones: int, seats_per_zone: int) -> dict[str, Any]:
    _ensure_admin()
    with httpx.Client(base_url=gateway, timeout=30) as client:
        admin_token, _ = _login(client, ADMIN_EMAIL)
        me = _check(client.get("/api/v1/users/me", headers=_bearer(admin_token)), 200)
        tenant_id = str(me["tenant_id"])
        _check(
            client.post(
                f"/api/v1/tenants/{tenant_id}/users",
                headers=_bearer(admin_token),
                json={
                    "email": ORGANIZER_EMAIL,
                    "password": DEMO_PASSWORD,
                    "name": "Demo Organizer",
                    "role": "organizer",
                },
            ),
            201,
            409,
        )
        organizer, _ = _login(client, ORGANIZER_EMAIL)
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        event = _check(
            client.post(
                "/api/v1/events",
                headers=_bearer(organizer),
                json={
                    "name": f"Flash Sale Live {stamp}",
                    "slug": f"flash-sale-{stamp.lower()}",
                    "venue_name": "Rajamangala Stadium",
                    "city": "Bangkok",
                    "country": "Thailand",
                    "max_tickets_per_user": 4,
                },
            ),
            201,
        )
        event_id = str(event["id"])
        made_shows: list[dict[str, Any]] = []
        for index in range(shows):
            show = _check(
                client.post(
                    f"/api/v1/events/{event_id}/shows",
                    headers=_bearer(organizer),
                    json={
                        "name": f"Night {index + 1}",
                        "show_date": str(date.today() + timedelta(days=30 + index)),
                        "start_time": "19:30:00+07:00",
                    },
                ),
                201,
            )
            show_id = str(show["id"])
            made_zones = []
            for zone_index in range(zones):
                zone = _check(
                    client.post(
                        f"/api/v1/shows/{show_id}/zones",
                        headers=_bearer(organizer),
                        json={
                            "name": ZONE_NAMES[zone_index % len(ZONE_NAMES)],
                            "price": str(4500 - 1000 * zone_index),
                            "currency": "THB",
                            "total_seats": seats_per_zone,
                            "max_per_order": 4,
                        },
                    ),
                    201,
                )
                made_zones.append({"zone_id": str(zone["id"]), "name": zone["name"], "total_seats": seats_per_zone})
            made_shows.append({"show_id": show_id, "zones": made_zones})
        _check(client.post(f"/api/v1/events/{event_id}/publish", headers=_bearer(organizer)), 200)
        # The sale is open when the availability endpoint reads it from Redis.
        deadline = time.monotonic() + 15
        while True:
            availability = client.get(f"/api/v1/shows/{made_shows[0]['show_id']}/availability").json()
            if availability.get("source") == "redis" or time.monotonic() > deadline:
                break
            time.sleep(0.2)
    return {
        "gateway": gateway,
        "tenant_slug": TENANT_SLUG,
        "tenant_id": tenant_id,
        "admin_email": ADMIN_EMAIL,
        "organizer_email": ORGANIZER_EMAIL,
        "password": DEMO_PASSWORD,
        "event_id": event_id,
        "event_name": event["name"],
        "shows": made_shows,
        "created_at": datetime.now(UTC).isoformat(),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--gateway", default=os.environ.get("BR_GATEWAY_URL", "http://127.0.0.1:8080"))
    parser.add_argument("--shows", type=int, default=2)
    parser.add_argument("--zones", type=int, default=3)
    parser.add_argument("--seats-per-zone", type=int, default=500)
    args = parser.parse_args(argv)
    try:
        demo = create_demo(args.gateway, args.shows, args.zones, args.seats_per_zone)
    except (DemoError, httpx.HTTPError) as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 1
    DEMO_FILE.parent.mkdir(parents=True, exist_ok=True)
    DEMO_FILE.write_text(json.dumps(demo, indent=2))
    seats = sum(zone["total_seats"] for show in demo["shows"] for zone in show["zones"])
    print(
        f"  demo sale '{demo['event_name']}' published: event {demo['event_id']}, {len(demo['shows'])} shows, "
        f"{seats} seats"
    )
    print(f"  tenant '{TENANT_SLUG}': admin {ADMIN_EMAIL} / organizer {ORGANIZER_EMAIL}, password {DEMO_PASSWORD}")
    print(f"  written to {DEMO_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
