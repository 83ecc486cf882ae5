--[[
  Stop selling: mark every zone of an event (or of one show) inactive, so reserve answers ZONE_INACTIVE.
  Counters and holds are left alone: pending holds can still be confirmed, released or expired.
  Closing the whole event also flags it in the meta hash, so expire_due-5 can tell the sweeper when the
  event has no pending hold left and may leave the live-event registry. Re-opening is open_zone-6.lua
  with active "1" (which clears that flag).

  Input:
    KEYS[1] event base key   <p>:{evt:E}:       (zone keys are built from it)
    KEYS[2] zone set         <p>:{evt:E}:zones or <p>:{evt:E}:show:<S>:zones
    KEYS[3] event meta hash  <p>:{evt:E}:meta

    ARGV[1] whole event ("1" when KEYS[2] is the event's zone set, "0" for one show)

  Output:
    count of zones marked inactive (0 when the set is empty or unknown)
]]
local rcall = redis.call
-- @include _lib
local base, zones, meta = KEYS[1], KEYS[2], KEYS[3]
local ids = rcall("SMEMBERS", zones)
for _, zone_id in ipairs(ids) do rcall("HSET", zone_key(base, zone_id), "active", "0") end
if ARGV[1] == "1" then rcall("HSET", meta, "closed", "1") end
return #ids
