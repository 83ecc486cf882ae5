--[[
  Reserve for many callers of ONE event in a single round trip (the micro-batcher's path).
  Each reservation is checked and applied exactly as by reserve-8.lua, in argument order, so a batch
  behaves like the same calls run back to back.

  Input:
    KEYS[1] event base key   <p>:{evt:E}:          (zone/show/hold/idem keys are built from it)
    KEYS[2] event meta hash  <p>:{evt:E}:meta
    KEYS[3] per-user totals  <p>:{evt:E}:users
    KEYS[4] expiry index     <p>:{evt:E}:expiry
    KEYS[5] sold-out set     <p>:{evt:E}:soldout

    ARGV[1] idempotency ttl (ms)   ARGV[2] n (count of reservations)
    then n groups of 9: tenant, user, show, zone, quantity (count), hold id, idempotency key,
    hold ttl (ms), now (epoch-ms; per reservation, as each caller passed it)

  Output:
    flat list of n groups {code, hold_id, remaining_seats, deadline_epoch_ms}; codes as reserve-8.lua
]]
local rcall = redis.call
-- @include _lib
local base = KEYS[1]
local meta, users, expiry, soldout = KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local idem_ttl, n = tonumber(ARGV[1]), tonumber(ARGV[2])
local out = {}
for i = 0, n - 1 do
  local o = 2 + i * 9
  local req = {
    tenant = ARGV[o + 1], user = ARGV[o + 2], show = ARGV[o + 3], zone = ARGV[o + 4],
    qty = ARGV[o + 5], hold = ARGV[o + 6], idem = ARGV[o + 7], ttl = ARGV[o + 8],
  }
  local keys = {
    zone = zone_key(base, req.zone), show = show_key(base, req.show), meta = meta, users = users,
    expiry = expiry, soldout = soldout, hold = hold_key(base, req.hold), idem = idem_key(base, req.idem),
  }
  local res = reserve_one(keys, req, tonumber(ARGV[o + 9]), idem_ttl)
  for j = 1, 4 do out[#out + 1] = res[j] end
end
return out
