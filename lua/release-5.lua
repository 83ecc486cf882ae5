--[[
  Release a hold's seats back to the pool, exactly once.
  A held hold (reason cancelled or payment_failed) gives back its reserved seats. A CONFIRMED hold can
  be released only with reason "cancelled" (a paid booking cancelled -> refund): its sold seats go back
  to available. "payment_failed" never releases a confirmed hold: a late or duplicated failure event
  must not undo a payment that did succeed.

  Input:
    KEYS[1] event base key   <p>:{evt:E}:           (the zone key is built from it)
    KEYS[2] hold hash        <p>:{evt:E}:hold:<H>
    KEYS[3] expiry index     <p>:{evt:E}:expiry
    KEYS[4] per-user totals  <p>:{evt:E}:users
    KEYS[5] sold-out set     <p>:{evt:E}:soldout

    ARGV[1] hold id   ARGV[2] reason: "cancelled" | "payment_failed"
    ARGV[3] now (epoch-ms)   ARGV[4] terminal-record ttl (ms)

  Output:
    {code, zone_id, quantity, user_id, previous_state}
     0 OK                 released ("held") or refunded ("confirmed")
    20 HOLD_NOT_FOUND     21 HOLD_EXPIRED      22 HOLD_RELEASED (already released or refunded)
    23 HOLD_CONFIRMED     payment_failed on a confirmed hold
    31 INVALID_ARGUMENT   unknown reason

  Writes on OK: zone reserved (or sold) -= q, available += q (sold-out flag cleared + PUBLISH);
  user total -= q; hold state "released"/"refunded" with a TTL of ARGV[4]; expiry entry removed.
]]
local rcall = redis.call
-- @include _lib
local base, hkey, expiry, users, soldout = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local hold_id, reason, now, ttl = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])

if reason ~= "cancelled" and reason ~= "payment_failed" then return { C.INVALID_ARGUMENT, "", 0, "", "" } end
local h = load_hold(hkey)
if not h then return { C.HOLD_NOT_FOUND, "", 0, "", "" } end
local function result(code) return { code, h.zone, h.qty, h.user, h.state } end
if h.state == "expired" then return result(C.HOLD_EXPIRED) end
if h.state == "held" then
  rcall("ZREM", expiry, hold_id)
  give_back(base, users, soldout, hkey, h, "reserved", "released", now, ttl)
  return result(C.OK)
end
if h.state == "confirmed" then
  if reason ~= "cancelled" then return result(C.HOLD_CONFIRMED) end
  give_back(base, users, soldout, hkey, h, "sold", "refunded", now, ttl)
  return result(C.OK)
end
return result(C.HOLD_RELEASED)
