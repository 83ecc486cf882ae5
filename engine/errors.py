"""Typed exceptions for refused engine operations, and the one place that maps codes to them."""

from engine.codes import Code


class EngineError(Exception):
    """Root of every refusal. ``code`` is the script's answer, ``reason`` its stable machine-readable name."""

    code: Code = Code.INVALID_ARGUMENT

    def __init__(self, code: Code, message: str = "") -> None:
        super().__init__(message or code.name.lower())
        self.code = code

    @property
    def reason(self) -> str:
        """Stable string for APIs and logs, e.g. ``"sold_out"``."""
        return self.code.name.lower()


class ZoneNotFound(EngineError):
    pass


class ZoneInactive(EngineError):
    pass


class SaleClosed(EngineError):
    """Outside the zone's, show's or event's sale window; ``code`` tells which side."""


class SaleNotStarted(SaleClosed):
    pass


class SaleEnded(SaleClosed):
    pass


class InvalidQuantity(EngineError):
    pass


class SoldOut(EngineError):
    """No seats left, or (subclass InsufficientSeats) fewer than asked for."""


class InsufficientSeats(SoldOut):
    pass


class LimitExceeded(EngineError):
    pass


class IdempotencyConflict(EngineError):
    """The idempotency key was used before with different parameters."""


class HoldIdTaken(EngineError):
    pass


class HoldNotFound(EngineError):
    pass


class HoldExpired(EngineError):
    pass


class HoldAlreadyReleased(EngineError):
    pass


class HoldAlreadyConfirmed(EngineError):
    pass


class CountersLive(EngineError):
    """open_sale would overwrite counters of a live zone; pass ``rebuild=True`` to force."""


class InvalidArgument(EngineError):
    pass


class CountersChanged(EngineError):
    """set_zone_counters lost its compare-and-set: re-read the zone and retry."""


_BY_CODE: dict[Code, type[EngineError]] = {
    Code.ZONE_NOT_FOUND: ZoneNotFound,
    Code.ZONE_INACTIVE: ZoneInactive,
    Code.SALE_NOT_STARTED: SaleNotStarted,
    Code.SALE_ENDED: SaleEnded,
    Code.INVALID_QUANTITY: InvalidQuantity,
    Code.SOLD_OUT: SoldOut,
    Code.INSUFFICIENT_SEATS: InsufficientSeats,
    Code.LIMIT_EXCEEDED: LimitExceeded,
    Code.IDEMPOTENCY_CONFLICT: IdempotencyConflict,
    Code.HOLD_ID_TAKEN: HoldIdTaken,
    Code.HOLD_NOT_FOUND: HoldNotFound,
    Code.HOLD_EXPIRED: HoldExpired,
    Code.HOLD_RELEASED: HoldAlreadyReleased,
    Code.HOLD_CONFIRMED: HoldAlreadyConfirmed,
    Code.COUNTERS_LIVE: CountersLive,
    Code.INVALID_ARGUMENT: InvalidArgument,
    Code.COUNTERS_CHANGED: CountersChanged,
}


def check(raw: int, context: str = "") -> Code:
    """Return the success code, or raise the exception for a refusal. The only code -> exception mapping."""
    code = Code(raw)
    if code.is_success:
        return code
    raise _BY_CODE[code](code, f"{code.name.lower()}: {context}" if context else "")
