--[[
  Read the counters of a set of zones (one show's, or a whole event's) in one round trip.

  Input:
    KEYS[1] event base key   <p>:{evt:E}:       (zone keys are built from it)
    KEYS[2] zone set         <p>:{evt:E}:zones or <p>:{evt:E}:show:<S>:zones

  Output:
    flat list of groups {zone_id, show_id, total, available, reserved, sold, active ("1"|"0")}
    (counts are integers). Read-only; no codes.
]]
local rcall = redis.call
-- @include _lib
local base, zones = KEYS[1], KEYS[2]
local out = {}
for _, zone_id in ipairs(rcall("SMEMBERS", zones)) do
  local z = rcall("HMGET", zone_key(base, zone_id), "show", "total", "available", "reserved", "sold", "active")
  if z[1] then
    out[#out + 1] = zone_id
    out[#out + 1] = z[1]
    for i = 2, 5 do out[#out + 1] = tonumber(z[i]) end
    out[#out + 1] = z[6]
  end
end
return out
