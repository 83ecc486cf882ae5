"""Flash sale: thousands of buyers arrive when the sale opens, poll availability, reserve, then pay or walk away.

    locust -f loadtest/locustfile.py --config loadtest/flash_sale.conf          # web UI on :8089
    python -m loadtest run --users 2000 --spawn-rate 500 --duration 60          # headless + drain + audit + report

The spike is the spawn rate: ``--users N --spawn-rate R`` lands N buyers in N/R seconds. Each buyer gets a token
(a ``--login-fraction`` really registers and logs in through auth-service — tag ``login``; the rest use tokens
pre-issued with the local dev key, see loadtest/tokens.py), then loops over two tagged tasks:

* ``availability``: ``GET /shows/{id}/availability`` (remembers which zones still have seats);
* ``purchase``: ``POST /bookings`` with an Idempotency-Key; a ``--retry-fraction`` sends the same request again
  (half of them concurrently, a double click) and must get the same booking; then ``--pay-fraction`` of holds
  are paid (``--decline-fraction`` with the declined test card) once the payment exists (it is created from Kafka),
  the rest are abandoned (``--cancel-fraction`` cancelled, the others left for the expiry worker).

409 ``sold_out`` / ``insufficient_seats`` / ``limit_exceeded`` are what a flash sale should answer: they count as
successes in Locust and per outcome in ``--outcomes-file`` (JSON, written when the test stops).
"""

from __future__ import annotations

import random
import time
import uuid
from typing import Any

import gevent  # type: ignore[import-untyped]  # Locust runs on gevent; no stubs published
from gevent.pool import Group  # type: ignore[import-untyped]
from locust import FastHttpUser, between, events, tag, task
from locust.argument_parser import LocustArgumentParser
from locust.env import Environment

from loadtest.outcomes import EXPECTED_RESERVE_REFUSALS, Outcomes
from loadtest.target import DEFAULT_DEMO_FILE, Target, load_target
from loadtest.tokens import DEFAULT_PRIVATE_KEY_FILE, TokenMinter

OUTCOMES = Outcomes()
CARD_OK = "4242424242424242"
CARD_DECLINED = "4000000000000002"
PASSWORD = "loadtest-password-123"  # noqa: S105 - throw-away accounts of load-test buyers
RESERVE = "/api/v1/bookings"


class _Run:
    """What every buyer shares, set once by the ``init`` hook."""

    target: Target
    minter: TokenMinter
    options: Any


def _arguments(parser: LocustArgumentParser) -> None:
    group = parser.add_argument_group("flash sale (loadtest/locustfile.py)")
    group.add_argument("--demo-file", default=str(DEFAULT_DEMO_FILE), help="sale to hit (deploy.demo's JSON)")
    group.add_argument("--private-key-file", default=str(DEFAULT_PRIVATE_KEY_FILE), help="DEV key for tokens")
    group.add_argument("--login-fraction", type=float, default=0.05, help="buyers who register+login for real")
    group.add_argument("--pay-fraction", type=float, default=0.7, help="holds that are paid (else abandoned)")
    group.add_argument("--decline-fraction", type=float, default=0.2, help="payments made with a declined card")
    group.add_argument("--cancel-fraction", type=float, default=0.5, help="abandoned holds cancelled explicitly")
    group.add_argument("--retry-fraction", type=float, default=0.1, help="reserves retried with the same key")
    group.add_argument("--max-quantity", type=int, default=2, help="seats per reserve: 1..this")
    group.add_argument("--payment-wait-s", type=float, default=20.0, help="how long to wait for the payment row")
    group.add_argument("--think-min-s", type=float, default=0.2)
    group.add_argument("--think-max-s", type=float, default=1.0)
    group.add_argument("--outcomes-file", default="", help="write outcome counts here (JSON) when the test stops")


def _init(environment: Environment, **_: Any) -> None:
    options = environment.parsed_options
    if options is None:  # imported by a tool, not run by Locust
        return
    _Run.options = options
    _Run.target = load_target(options.demo_file)
    _Run.minter = TokenMinter(options.private_key_file, _Run.target.tenant_id)
    FlashSaleBuyer.wait_time = between(options.think_min_s, options.think_max_s)
    if not environment.host:
        environment.host = _Run.target.gateway
        FlashSaleBuyer.host = _Run.target.gateway


def _test_start(**_: Any) -> None:
    OUTCOMES.reset()


def _test_stop(**_: Any) -> None:
    if getattr(_Run, "options", None) is not None and _Run.options.outcomes_file:
        OUTCOMES.write(_Run.options.outcomes_file, [zone.zone_id for zone in _Run.target.zones])


# Registered by call, not as decorators: Locust's add_listener is untyped and would make these untyped for mypy.
_hooks: Any = events
_hooks.init_command_line_parser.add_listener(_arguments)
_hooks.init.add_listener(_init)
_hooks.test_start.add_listener(_test_start)
_hooks.test_stop.add_listener(_test_stop)


def _error_code(response: Any) -> str:
    try:
        return str(response.json()["error"]["code"])
    except Exception:  # not our JSON error body (gateway page, connection error)
        return f"http_{response.status_code}"


def _login_tag_enabled(options: Any) -> bool:
    """``--tags``/``--exclude-tags`` filter tasks; the login step runs in on_start, so honour them here too."""
    if "login" in (options.exclude_tags or []):
        return False
    return not options.tags or "login" in options.tags


class FlashSaleBuyer(FastHttpUser):
    wait_time = between(0.2, 1.0)
    # enough connections for a double-click retry while another request of this buyer is in flight
    concurrency = 4

    def on_start(self) -> None:
        self.available: dict[str, int] = {}
        options = _Run.options
        if _login_tag_enabled(options) and random.random() < options.login_fraction:
            self._register_and_login()
        else:
            minted = _Run.minter.mint()
            self.user_id, self.token = minted.user_id, minted.token
        self.headers = {"Authorization": f"Bearer {self.token}"}

    def _register_and_login(self) -> None:
        email = f"buyer-{uuid.uuid4().hex[:16]}@loadtest.dev"
        account = {"tenant_slug": _Run.target.tenant_slug, "email": email, "password": PASSWORD}
        self.client.post("/api/v1/auth/register", json=account, name="/api/v1/auth/register")
        with self.client.post("/api/v1/auth/login", json=account, name="/api/v1/auth/login", catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"login {r.status_code} {_error_code(r)}")
                OUTCOMES.record("login_failed")
                minted = _Run.minter.mint()  # keep the buyer in the sale even if auth is struggling
                self.user_id, self.token = minted.user_id, minted.token
                return
            body = r.json()
        OUTCOMES.record("logged_in")
        self.user_id, self.token = str(body["user"]["id"]), str(body["access_token"])

    @tag("availability")
    @task(2)
    def poll_availability(self) -> None:
        show_id = random.choice(_Run.target.show_ids)
        path = f"/api/v1/shows/{show_id}/availability"
        with self.client.get(path, name="/api/v1/shows/{id}/availability", catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"availability {r.status_code} {_error_code(r)}")
                return
            for zone in r.json()["zones"]:
                self.available[str(zone["zone_id"])] = int(zone["available"])
                if zone["available"] == 0:
                    OUTCOMES.zone_sold_out(str(zone["zone_id"]))

    @tag("purchase")
    @task(5)
    def purchase(self) -> None:
        options = _Run.options
        quantity = random.randint(1, max(1, options.max_quantity))
        zones = [z for z in _Run.target.zones if self.available.get(z.zone_id, quantity) >= quantity]
        zone = random.choice(zones or list(_Run.target.zones))  # nothing left: buyers still press "buy"
        body = {
            "event_id": _Run.target.event_id,
            "show_id": zone.show_id,
            "zone_id": zone.zone_id,
            "quantity": quantity,
        }
        key = uuid.uuid4().hex
        booking = self._reserve(body, key, RESERVE)
        if booking is None:
            return
        OUTCOMES.record("reserved")
        if random.random() < options.retry_fraction:
            self._retry(body, key, str(booking["id"]))
        if random.random() < options.pay_fraction:
            self._pay(str(booking["id"]), declined=random.random() < options.decline_fraction)
        elif random.random() < options.cancel_fraction:
            self._cancel(str(booking["id"]))
        else:
            OUTCOMES.record("abandoned")  # the hold stays until the expiry worker returns it

    def _reserve(self, body: dict[str, Any], key: str, name: str) -> dict[str, Any] | None:
        headers = {**self.headers, "Idempotency-Key": key}
        for _attempt in range(5):
            with self.client.post("/api/v1/bookings", json=body, headers=headers, name=name, catch_response=True) as r:
                if r.status_code == 201:
                    result: dict[str, Any] = r.json()
                    return result
                code = _error_code(r)
                if r.status_code == 409 and code in EXPECTED_RESERVE_REFUSALS:
                    r.success()
                    OUTCOMES.record(code)
                    if code == "sold_out":
                        OUTCOMES.zone_sold_out(body["zone_id"])
                        self.available[body["zone_id"]] = 0
                    return None
                if r.status_code == 409 and code == "idempotency_key_in_progress":
                    r.success()  # the twin request is still being written by another worker: retry, as documented
                    OUTCOMES.record(code)
                    gevent.sleep(0.2)
                    continue
                r.failure(f"reserve {r.status_code} {code}")
                OUTCOMES.record(f"reserve_error_{code}")
                return None
        return None

    def _retry(self, body: dict[str, Any], key: str, booking_id: str) -> None:
        """Same key + same body must return the same booking, whether retried later or sent twice at once."""
        twins = 2 if random.random() < 0.5 else 1
        group = Group()
        jobs = [group.spawn(self._reserve, body, key, RESERVE + " (retry)") for _ in range(twins)]
        group.join()
        for job in jobs:
            replay = job.value
            if replay is not None and str(replay["id"]) == booking_id:
                OUTCOMES.record("retry_same_booking")
            else:
                OUTCOMES.record("retry_mismatch")
                self.environment.events.request.fire(
                    request_type="CHECK",
                    name="idempotent replay",
                    response_time=0,
                    response_length=0,
                    exception=AssertionError(f"retry of {booking_id} returned {replay and replay.get('id')}"),
                    context={},
                )

    def _wait_for_payment(self, booking_id: str) -> dict[str, Any] | None:
        deadline = time.monotonic() + _Run.options.payment_wait_s
        name = "/api/v1/payments?booking_id="
        while time.monotonic() < deadline:
            with self.client.get(f"/api/v1/payments?booking_id={booking_id}", headers=self.headers, name=name) as r:
                items = r.json()["items"] if r.status_code == 200 else []
            if items:
                payment: dict[str, Any] = items[0]
                return payment
            gevent.sleep(0.25)  # created asynchronously: booking.reserved -> Kafka -> payment-service
        return None

    def _pay(self, booking_id: str, *, declined: bool) -> None:
        payment = self._wait_for_payment(booking_id)
        if payment is None:
            OUTCOMES.record("payment_not_created")
            return
        card = {"card_number": CARD_DECLINED if declined else CARD_OK, "exp_month": 12, "exp_year": 2039, "cvc": "123"}
        path = f"/api/v1/payments/{payment['id']}/pay"
        name = "/api/v1/payments/{id}/pay"
        with self.client.post(path, json=card, headers=self.headers, name=name, catch_response=True) as r:
            if r.status_code == 200:
                status = str(r.json()["status"])
                OUTCOMES.record({"completed": "paid", "failed": "declined"}.get(status, f"payment_{status}"))
                return
            code = _error_code(r)
            if r.status_code == 409 and code in ("hold_expired", "payment_cancelled"):
                r.success()
                OUTCOMES.record(f"pay_{code}")
                return
            r.failure(f"pay {r.status_code} {code}")
            OUTCOMES.record(f"pay_error_{code}")

    def _cancel(self, booking_id: str) -> None:
        path = f"/api/v1/bookings/{booking_id}/cancel"
        name = "/api/v1/bookings/{id}/cancel"
        with self.client.post(path, headers=self.headers, name=name, catch_response=True) as r:
            if r.status_code == 200:
                OUTCOMES.record("cancelled")
            else:
                r.failure(f"cancel {r.status_code} {_error_code(r)}")
                OUTCOMES.record(f"cancel_error_{_error_code(r)}")
