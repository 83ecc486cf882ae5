--[[
  Read-only audit of one event for the reconciler: zone counters, every hold in the expiry index, and the
  state of the holds booking_db says exist, all from ONE atomic view (so counters and holds agree in time).

  Input:
    KEYS[1] event base key   <p>:{evt:E}:           (zone and hold keys are built from it)
    KEYS[2] event's zone set <p>:{evt:E}:zones
    KEYS[3] expiry index     <p>:{evt:E}:expiry     (ZSET hold id, score deadline epoch-ms)

    ARGV[1] n = how many of the following ids booking_db has as reserved (expected state "held")
    ARGV[2 .. n+1] those hold ids; ARGV[n+2 ..] hold ids booking_db has as confirmed (expected "confirmed")

  Output (three nested lists):
    [1] zones: flat groups {zone_id, show_id, total, available, reserved, sold, active ("1"|"0")}
    [2] indexed holds: flat groups {hold_id, state ("missing" when the record is gone), zone_id, quantity,
        deadline (epoch-ms), created (epoch-ms)} for every member of the expiry index
    [3] anomalies: flat groups {hold_id, state} for each ARGV id whose state is not the expected one
        ("missing" when there is no record)
  No codes; writes nothing. Cost is O(zones + indexed holds + ids), so callers pass one event at a time.
]]
local rcall = redis.call
-- @include _lib
local base, zones, expiry = KEYS[1], KEYS[2], KEYS[3]

local zone_out = {}
for _, zone_id in ipairs(rcall("SMEMBERS", zones)) do
  local z = rcall("HMGET", zone_key(base, zone_id), "show", "total", "available", "reserved", "sold", "active")
  if z[1] then
    zone_out[#zone_out + 1] = zone_id
    zone_out[#zone_out + 1] = z[1]
    for i = 2, 5 do zone_out[#zone_out + 1] = tonumber(z[i]) or 0 end
    zone_out[#zone_out + 1] = z[6] or "0"
  end
end

local hold_out = {}
local indexed = rcall("ZRANGE", expiry, 0, -1, "WITHSCORES")
for i = 1, #indexed, 2 do
  local h = rcall("HMGET", hold_key(base, indexed[i]), "state", "zone", "qty", "deadline", "created")
  hold_out[#hold_out + 1] = indexed[i]
  hold_out[#hold_out + 1] = h[1] or "missing"
  hold_out[#hold_out + 1] = h[2] or ""
  hold_out[#hold_out + 1] = tonumber(h[3]) or 0
  hold_out[#hold_out + 1] = tonumber(h[4]) or tonumber(indexed[i + 1])
  hold_out[#hold_out + 1] = tonumber(h[5]) or 0
end

local anomalies = {}
local n_held = tonumber(ARGV[1])
for i = 2, #ARGV do
  local expected = (i <= n_held + 1) and "held" or "confirmed"
  local state = rcall("HGET", hold_key(base, ARGV[i]), "state") or "missing"
  if state ~= expected then
    anomalies[#anomalies + 1] = ARGV[i]
    anomalies[#anomalies + 1] = state
  end
end
return { zone_out, hold_out, anomalies }
