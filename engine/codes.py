"""Integer return codes of the Lua scripts; lua/_lib.lua holds the same table (a test checks they agree)."""

from enum import IntEnum


class Code(IntEnum):
    """What a script answered. Below 10 is success; 10 and up are refusals, mapped to exceptions in errors.py."""

    OK = 0
    REPLAYED = 1  # idempotent repeat: the original result is returned
    UNCHANGED = 2  # nothing to do (zone already loaded, hold already restored)

    ZONE_NOT_FOUND = 10
    ZONE_INACTIVE = 11
    SALE_NOT_STARTED = 12
    SALE_ENDED = 13
    INVALID_QUANTITY = 14
    SOLD_OUT = 15
    INSUFFICIENT_SEATS = 16
    LIMIT_EXCEEDED = 17
    IDEMPOTENCY_CONFLICT = 18
    HOLD_ID_TAKEN = 19

    HOLD_NOT_FOUND = 20
    HOLD_EXPIRED = 21
    HOLD_RELEASED = 22
    HOLD_CONFIRMED = 23

    COUNTERS_LIVE = 30
    INVALID_ARGUMENT = 31
    COUNTERS_CHANGED = 32  # set_zone_counters: the counters moved since they were read (compare-and-set lost)

    @property
    def is_success(self) -> bool:
        return self < 10
