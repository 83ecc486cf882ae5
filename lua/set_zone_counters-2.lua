--[[
  Compare-and-set a zone's four counters (the reconciler's repair). Writes only if the counters are still
  exactly what the caller read, so a reservation, confirm or expiry that ran in between is never overwritten:
  the caller re-reads and retries instead.

  Input:
    KEYS[1] zone hash      <p>:{evt:E}:zone:<Z>
    KEYS[2] sold-out set   <p>:{evt:E}:soldout      (also the PUBLISH channel)

    ARGV[1] zone id
    ARGV[2..5] expected total, available, reserved, sold (counts, as read)
    ARGV[6..9] new total, available, reserved, sold (counts)

  Output:
     0 OK                counters replaced (sold-out flag updated + PUBLISH on a flip)
     2 UNCHANGED         counters already equal the new values; nothing written
    10 ZONE_NOT_FOUND    no such zone hash
    31 INVALID_ARGUMENT  new reserved/sold/total negative, or available + reserved + sold ~= total
                         (available itself may be negative: that is an oversold zone, stated honestly)
    32 COUNTERS_CHANGED  the counters moved since the caller read them; nothing written
]]
local rcall = redis.call
-- @include _lib
local zone, soldout, zone_id = KEYS[1], KEYS[2], ARGV[1]
local new_total, new_avail, new_res, new_sold = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8]),
  tonumber(ARGV[9])

if not (new_total and new_avail and new_res and new_sold) or new_total < 0 or new_res < 0 or new_sold < 0
    or new_avail + new_res + new_sold ~= new_total then
  return C.INVALID_ARGUMENT
end
local cur = rcall("HMGET", zone, "total", "available", "reserved", "sold")
if not cur[1] then return C.ZONE_NOT_FOUND end
for i = 1, 4 do
  if tonumber(cur[i]) ~= tonumber(ARGV[i + 1]) then return C.COUNTERS_CHANGED end
end
if tonumber(cur[1]) == new_total and tonumber(cur[2]) == new_avail and tonumber(cur[3]) == new_res
    and tonumber(cur[4]) == new_sold then
  return C.UNCHANGED
end
rcall("HSET", zone, "total", new_total, "available", new_avail, "reserved", new_res, "sold", new_sold)
flag_sold_out(soldout, zone_id, new_avail)
return C.OK
