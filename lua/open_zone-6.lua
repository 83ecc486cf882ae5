--[[
  Load (open for sale) one zone of a show, with its show's and event's booking rules. Idempotent.
  Live counters are never overwritten unless ARGV[17] asks for a rebuild; a zone whose counters were
  never touched (nothing reserved or sold) may still be re-sized.

  Input:
    KEYS[1] event meta hash   <p>:{evt:E}:meta
    KEYS[2] show hash         <p>:{evt:E}:show:<S>
    KEYS[3] show's zone set   <p>:{evt:E}:show:<S>:zones
    KEYS[4] event's zone set  <p>:{evt:E}:zones
    KEYS[5] zone hash         <p>:{evt:E}:zone:<Z>
    KEYS[6] sold-out set      <p>:{evt:E}:soldout

    ARGV[1] event max_tickets_per_user (count, "" = no limit)
    ARGV[2] event booking_start_at (epoch-ms, "" = NULL)   ARGV[3] event booking_end_at (epoch-ms, "" = NULL)
    ARGV[4] show id   ARGV[5] show sale_start_at (epoch-ms|"")   ARGV[6] show sale_end_at (epoch-ms|"")
    ARGV[7] zone id   ARGV[8] total seats (count)   ARGV[9] sold seats (count)
    ARGV[10] seats in active holds (count; only meaningful with rebuild)   ARGV[11] price (decimal string)
    ARGV[12] min_per_order (count)   ARGV[13] max_per_order (count)   ARGV[14] active ("1"|"0")
    ARGV[15] zone sale_start_at (epoch-ms|"")   ARGV[16] zone sale_end_at (epoch-ms|"")
    ARGV[17] rebuild ("1"|"0"): set available = total - sold - held, reserved = held, sold = sold

  Output:
     0 OK                counters (re)initialised
     2 UNCHANGED         zone already live: rules refreshed, counters kept
    30 COUNTERS_LIVE     zone live with a different total: nothing written (rebuild to force)
    31 INVALID_ARGUMENT  negative counts, sold + held > total, min < 1 or max < min
]]
local rcall = redis.call
-- @include _lib
local meta, show, show_zones, event_zones, zone, soldout = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local zone_id = ARGV[7]
local total, sold, held = tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])
local min_q, max_q = tonumber(ARGV[12]), tonumber(ARGV[13])

if not (total and sold and held and min_q and max_q) or sold < 0 or held < 0 or sold + held > total
    or min_q < 1 or max_q < min_q then
  return C.INVALID_ARGUMENT
end
local cur = rcall("HMGET", zone, "total", "available", "reserved", "sold")
local live_total = num(cur[1])
local untouched = live_total and tonumber(cur[3]) == 0 and tonumber(cur[4]) == 0 and tonumber(cur[2]) == live_total
local reset = ARGV[17] == "1" or not live_total or (untouched and live_total ~= total)
if not reset and live_total ~= total then return C.COUNTERS_LIVE end

rcall("HSET", meta, "max_per_user", ARGV[1], "booking_start", ARGV[2], "booking_end", ARGV[3], "closed", "0")
rcall("HSET", show, "sale_start", ARGV[5], "sale_end", ARGV[6])
rcall("SADD", show_zones, zone_id)
rcall("SADD", event_zones, zone_id)
rcall("HSET", zone, "show", ARGV[4], "price", ARGV[11], "min", min_q, "max", max_q, "active", ARGV[14],
      "sale_start", ARGV[15], "sale_end", ARGV[16])
if not reset then return C.UNCHANGED end
local available = total - sold - held
rcall("HSET", zone, "total", total, "sold", sold, "reserved", held, "available", available)
flag_sold_out(soldout, zone_id, available)
return C.OK
