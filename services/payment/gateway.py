"""The payment gateway port and the simulated gateway used in development and tests.

A gateway *answers* a charge with a ``ChargeResult``: a decline is a normal outcome (``succeeded=False`` with a
code), not an exception. Exceptions are for failures to get an answer at all (``GatewayError``); their
``retriable`` class attribute tells the resilience layer whether trying again can help.

Card data lives only in ``Card`` objects on their way to the gateway: they are never stored, logged or printed
(``repr`` is masked).
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

__all__ = [
    "TEST_CARDS",
    "Card",
    "ChargeResult",
    "GatewayError",
    "GatewayRejected",
    "GatewayUnavailable",
    "PaymentGateway",
    "RefundResult",
    "SimulatedGateway",
    "card_brand",
    "luhn_valid",
]


class GatewayError(Exception):
    """The gateway gave no usable answer."""

    retriable = False
    code = "gateway_error"


class GatewayUnavailable(GatewayError):
    """Timeout, connection failure, 5xx, rate limit: the same request may succeed later."""

    retriable = True
    code = "gateway_unavailable"


class GatewayRejected(GatewayError):
    """The gateway refused the request itself (unknown charge, bad parameters): repeating it cannot help."""

    code = "gateway_rejected"


@dataclass(frozen=True, slots=True)
class Card:
    number: str = field(repr=False)  # digits only
    exp_month: int
    exp_year: int
    cvc: str = field(repr=False)
    holder: str | None = field(default=None, repr=False)

    @property
    def last_four(self) -> str:
        return self.number[-4:]

    @property
    def brand(self) -> str:
        return card_brand(self.number)


@dataclass(frozen=True, slots=True)
class ChargeResult:
    succeeded: bool
    gateway: str
    payment_id: str | None = None  # the gateway's id for the attempt (payment intent)
    charge_id: str | None = None  # the id a refund refers to
    error_code: str | None = None  # card_declined, insufficient_funds, ...
    error_message: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)  # the gateway's response, without card data


@dataclass(frozen=True, slots=True)
class RefundResult:
    refund_id: str
    amount: Decimal
    raw: dict[str, Any] = field(default_factory=dict)


class PaymentGateway(Protocol):
    async def charge(self, amount: Decimal, currency: str, card: Card, idempotency_key: str) -> ChargeResult:
        """Charge the card once per ``idempotency_key``: a repeat returns the first answer, never charges again."""

    async def refund(self, charge_id: str, amount: Decimal) -> RefundResult:
        """Return ``amount`` of a charge; a full refund of an already refunded charge returns the first refund."""


def luhn_valid(number: str) -> bool:
    if not number.isdigit() or not 12 <= len(number) <= 19:
        return False
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char)
        if index % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def card_brand(number: str) -> str:
    if number.startswith("4"):
        return "visa"
    if number[:2] in {"51", "52", "53", "54", "55"} or "2221" <= number[:4] <= "2720":
        return "mastercard"
    if number[:2] in {"34", "37"}:
        return "amex"
    if number.startswith("35"):
        return "jcb"
    return "unknown"


# Test card -> outcome. Any other Luhn-valid number succeeds; the API refuses numbers failing Luhn.
TEST_CARDS: dict[str, str] = {
    "4242424242424242": "success",
    "4000000000000002": "card_declined",
    "4000000000009995": "insufficient_funds",
    "4000000000000259": "processing_delay",
}
_DECLINE_MESSAGES = {
    "card_declined": "the card was declined",
    "insufficient_funds": "the card has insufficient funds",
}


def _derived_id(prefix: str, seed: str) -> str:
    # Deterministic ids: the API process and the consumer process each run their own simulator, and a refund in
    # one must recognise a charge made by the other.
    return f"{prefix}_{hashlib.sha256(seed.encode()).hexdigest()[:24]}"


class SimulatedGateway:
    """Deterministic by card number; idempotent by key like a real gateway. Counts calls for tests."""

    name = "simulated"

    def __init__(self, *, processing_delay_s: float = 2.0) -> None:
        self.processing_delay_s = processing_delay_s
        self.charge_calls = 0  # every call, including idempotent repeats
        self.charges: dict[str, ChargeResult] = {}  # idempotency key -> first answer
        self.refunds: dict[str, RefundResult] = {}  # charge id -> refund

    async def charge(self, amount: Decimal, currency: str, card: Card, idempotency_key: str) -> ChargeResult:
        self.charge_calls += 1
        if idempotency_key in self.charges:
            return self.charges[idempotency_key]
        outcome = TEST_CARDS.get(card.number, "success" if luhn_valid(card.number) else "invalid_card")
        if outcome == "processing_delay":
            await asyncio.sleep(self.processing_delay_s)
        payment_id = _derived_id("sim_pi", idempotency_key)
        raw: dict[str, Any] = {
            "id": payment_id,
            "amount": str(amount),
            "currency": currency,
            "card": {"brand": card.brand, "last4": card.last_four},
        }
        if outcome in ("success", "processing_delay"):
            charge_id = _derived_id("sim_ch", idempotency_key)
            result = ChargeResult(
                True, self.name, payment_id, charge_id, raw={**raw, "status": "succeeded", "charge": charge_id}
            )
        else:
            message = _DECLINE_MESSAGES.get(outcome, "the card number is not valid")
            result = ChargeResult(
                False, self.name, payment_id, None, outcome, message, raw={**raw, "status": "failed", "code": outcome}
            )
        self.charges[idempotency_key] = result
        return result

    async def refund(self, charge_id: str, amount: Decimal) -> RefundResult:
        if not charge_id.startswith("sim_ch_"):
            raise GatewayRejected(f"unknown charge {charge_id!r}")
        if charge_id in self.refunds:
            return self.refunds[charge_id]
        refund_id = _derived_id("sim_re", charge_id)
        result = RefundResult(refund_id, amount, {"id": refund_id, "charge": charge_id, "amount": str(amount)})
        self.refunds[charge_id] = result
        return result
