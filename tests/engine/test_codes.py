"""The code table is defined twice (Lua and Python); these keep them and the exception mapping aligned."""

import re

import pytest
from redis.crc import key_slot

from engine import Code, EngineError, Keys
from engine import errors as errors_module
from engine.errors import check
from engine.scripts import LUA_DIR


def test_lua_code_table_matches_python_enum() -> None:
    table = re.search(r"local C = \{(.*?)\n\}", (LUA_DIR / "_lib.lua").read_text(), re.DOTALL)
    assert table is not None
    lua = {name: int(value) for name, value in re.findall(r"(\w+) = (\d+)", table.group(1))}
    assert lua == {code.name: code.value for code in Code}


@pytest.mark.parametrize("code", [c for c in Code if not c.is_success])
def test_every_refusal_maps_to_its_own_typed_exception(code: Code) -> None:
    with pytest.raises(EngineError) as info:
        check(int(code), "ctx")
    assert info.value.code is code
    assert info.value.reason == code.name.lower()
    assert type(info.value) is not EngineError


def test_exception_names_required_by_the_issue_exist() -> None:
    for name in ["SoldOut", "LimitExceeded", "SaleClosed", "InvalidQuantity", "ZoneNotFound", "ZoneInactive",
                 "IdempotencyConflict", "HoldNotFound", "HoldExpired", "HoldAlreadyReleased",
                 "HoldAlreadyConfirmed"]:  # fmt: skip
        assert issubclass(getattr(errors_module, name), EngineError)


@pytest.mark.parametrize("code", [c for c in Code if c.is_success])
def test_success_codes_do_not_raise(code: Code) -> None:
    assert check(int(code)) is code


def test_unknown_code_is_an_error() -> None:
    with pytest.raises(ValueError):
        check(99)


def test_every_key_of_an_event_hashes_to_one_slot() -> None:
    k, e = Keys("p"), "ev-1"
    keys = [k.meta(e), k.zone(e, "z"), k.show(e, "s"), k.show_zones(e, "s"), k.event_zones(e), k.users(e),
            k.expiry(e), k.sold_out(e), k.hold(e, "h"), k.idem(e, "i"), k.base(e)]  # fmt: skip
    assert all("{evt:ev-1}" in key for key in keys)
    slots = {key_slot(key.encode()) for key in keys}
    assert len(slots) == 1


def test_script_files_name_their_key_count() -> None:
    for path in LUA_DIR.glob("[a-z]*.lua"):
        declared = {int(n) for n in re.findall(r"KEYS\[(\d+)\]", path.read_text())}
        assert max(declared) == int(path.stem.rsplit("-", 1)[1]), path.name
        assert "local rcall = redis.call" in path.read_text().split("]]", 1)[1].lstrip()[:30], path.name
