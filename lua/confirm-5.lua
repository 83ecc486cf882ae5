--[[
  Confirm a paid hold: its seats move from reserved to sold, exactly once.

  Input:
    KEYS[1] event base key   <p>:{evt:E}:           (the zone key is built from it)
    KEYS[2] hold hash        <p>:{evt:E}:hold:<H>
    KEYS[3] expiry index     <p>:{evt:E}:expiry
    KEYS[4] per-user totals  <p>:{evt:E}:users
    KEYS[5] sold-out set     <p>:{evt:E}:soldout

    ARGV[1] hold id   ARGV[2] payment id   ARGV[3] now (epoch-ms)   ARGV[4] terminal-record ttl (ms)

  Output:
    {code, zone_id, quantity}
     0 OK                 confirmed now
     1 REPLAYED           already confirmed with this payment id (idempotent success)
    20 HOLD_NOT_FOUND     unknown hold (or its terminal record aged out)
    21 HOLD_EXPIRED       expired, possibly right now: a hold at/after its deadline is expired here and
                          its seats returned, so a sweep that has not run yet never lets a late payment
                          sell seats that the deadline already gave back
    22 HOLD_RELEASED      cancelled / payment failed / refunded earlier
    23 HOLD_CONFIRMED     already confirmed with a different payment id

  Writes on OK: zone reserved -= q, sold += q; hold state "confirmed" + payment id (no TTL: a refund
  may still release it); expiry entry removed. The user's total is unchanged (held -> bought).
]]
local rcall = redis.call
-- @include _lib
local base, hkey, expiry, users, soldout = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local hold_id, payment, now, ttl = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])

local h = load_hold(hkey)
if not h then return { C.HOLD_NOT_FOUND, "", 0 } end
if h.state == "confirmed" then
  if h.payment == payment then return { C.REPLAYED, h.zone, h.qty } end
  return { C.HOLD_CONFIRMED, h.zone, h.qty }
end
if h.state == "expired" then return { C.HOLD_EXPIRED, h.zone, h.qty } end
if h.state ~= "held" then return { C.HOLD_RELEASED, h.zone, h.qty } end

rcall("ZREM", expiry, hold_id)
if now >= h.deadline then
  give_back(base, users, soldout, hkey, h, "reserved", "expired", now, ttl)
  return { C.HOLD_EXPIRED, h.zone, h.qty }
end
local zkey = zone_key(base, h.zone)
rcall("HINCRBY", zkey, "reserved", -h.qty)
rcall("HINCRBY", zkey, "sold", h.qty)
rcall("HSET", hkey, "state", "confirmed", "payment", payment, "closed_at", now)
return { C.OK, h.zone, h.qty }
