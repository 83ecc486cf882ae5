--[[
  Expire up to `limit` holds whose deadline has passed and return their seats to the pool.
  The hold record is only given a TTL here, after its seats are back: holds that vanished by TTL while
  still counted as reserved are exactly how the original system leaked seats.

  Input:
    KEYS[1] event base key   <p>:{evt:E}:           (hold and zone keys are built from it)
    KEYS[2] expiry index     <p>:{evt:E}:expiry     (ZSET hold id, score deadline epoch-ms)
    KEYS[3] per-user totals  <p>:{evt:E}:users
    KEYS[4] sold-out set     <p>:{evt:E}:soldout
    KEYS[5] event meta hash  <p>:{evt:E}:meta       (read: was the whole event closed?)

    ARGV[1] now (epoch-ms): deadlines <= now are due   ARGV[2] limit (count)
    ARGV[3] terminal-record ttl (ms)

  Output:
    {retire, then flat groups {hold_id, zone_id, quantity, user_id}, oldest deadline first}
    retire is 1 when the event was closed (close_sale-3) and no hold is left in the index: the caller may
    then drop the event from the live-event registry, which lives outside this hash tag. No error codes:
    the operation cannot fail. Index entries whose hold is no longer "held" are dropped silently.

  Writes per expired hold: zone reserved -= q, available += q (sold-out flag cleared + PUBLISH);
  user total -= q; hold state "expired" with a TTL of ARGV[3]; expiry entry removed.
]]
local rcall = redis.call
-- @include _lib
local base, expiry, users, soldout, meta = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local now, limit, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])

local out = { 0 }
local due = rcall("ZRANGEBYSCORE", expiry, "-inf", now, "LIMIT", 0, limit)
for _, hold_id in ipairs(due) do
  rcall("ZREM", expiry, hold_id)
  local hkey = hold_key(base, hold_id)
  local h = load_hold(hkey)
  if h and h.state == "held" then
    give_back(base, users, soldout, hkey, h, "reserved", "expired", now, ttl)
    out[#out + 1] = hold_id
    out[#out + 1] = h.zone
    out[#out + 1] = h.qty
    out[#out + 1] = h.user
  end
end
if rcall("HGET", meta, "closed") == "1" and rcall("ZCARD", expiry) == 0 then out[1] = 1 end
return out
