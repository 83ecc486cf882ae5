--[[
  Shared helpers, inlined by engine/scripts.py wherever a script says "-- @include _lib".
  Not a script of its own. It relies on the including script having defined `local rcall = redis.call`.

  The key suffixes below mirror engine/keys.py (scripts that walk many holds or zones have to build
  those keys themselves from the event's base key, which they receive in KEYS so Cluster routes them).
  Change both together. Codes mirror engine/codes.py; tests/engine/test_codes.py checks they agree.
]]
local C = {
  OK = 0, REPLAYED = 1, UNCHANGED = 2,
  ZONE_NOT_FOUND = 10, ZONE_INACTIVE = 11, SALE_NOT_STARTED = 12, SALE_ENDED = 13,
  INVALID_QUANTITY = 14, SOLD_OUT = 15, INSUFFICIENT_SEATS = 16, LIMIT_EXCEEDED = 17,
  IDEMPOTENCY_CONFLICT = 18, HOLD_ID_TAKEN = 19,
  HOLD_NOT_FOUND = 20, HOLD_EXPIRED = 21, HOLD_RELEASED = 22, HOLD_CONFIRMED = 23,
  COUNTERS_LIVE = 30, INVALID_ARGUMENT = 31, COUNTERS_CHANGED = 32,
}

local function zone_key(base, zone_id) return base .. "zone:" .. zone_id end
local function show_key(base, show_id) return base .. "show:" .. show_id end
local function hold_key(base, hold_id) return base .. "hold:" .. hold_id end
local function idem_key(base, idem) return base .. "idem:" .. idem end

-- Stored bounds use "" for NULL (unbounded); tonumber("") is nil.
local function num(v)
  if not v then return nil end
  return tonumber(v)
end

-- The parameters an idempotency key is bound to. The hold id is left out on purpose: a client retry
-- may arrive with a freshly generated hold id and must still get the original hold back.
local function fingerprint(tenant, user, show, zone, qty)
  return tenant .. "|" .. user .. "|" .. show .. "|" .. zone .. "|" .. qty
end

-- [start, end) window in epoch-ms; either side may be NULL.
local function window_code(now, start_v, end_v)
  local s, e = num(start_v), num(end_v)
  if s and now < s then return C.SALE_NOT_STARTED end
  if e and now >= e then return C.SALE_ENDED end
  return C.OK
end

-- Keeps the per-event sold-out set in step with a zone's `available` and announces each flip once.
local function flag_sold_out(soldout, zone_id, available)
  if available <= 0 then
    if rcall("SADD", soldout, zone_id) == 1 then rcall("PUBLISH", soldout, "sold_out:" .. zone_id) end
  elseif rcall("SREM", soldout, zone_id) == 1 then
    rcall("PUBLISH", soldout, "available:" .. zone_id)
  end
end

-- Moves a hold's seats from `bucket` ("reserved" or "sold") back to available, gives the user's
-- allowance back and closes the hold in `state`. The record then gets a TTL: it only needs to live
-- long enough for late confirm/release calls to get a precise code.
local function give_back(base, users, soldout, hkey, h, bucket, state, now, ttl_ms)
  local zkey = zone_key(base, h.zone)
  rcall("HINCRBY", zkey, bucket, -h.qty)
  flag_sold_out(soldout, h.zone, rcall("HINCRBY", zkey, "available", h.qty))
  if rcall("HINCRBY", users, h.user, -h.qty) <= 0 then rcall("HDEL", users, h.user) end
  rcall("HSET", hkey, "state", state, "closed_at", now)
  rcall("PEXPIRE", hkey, ttl_ms)
end

-- Reads the fields of a hold record that state transitions need; nil when the hold is unknown.
local function load_hold(hkey)
  local f = rcall("HMGET", hkey, "state", "zone", "qty", "user", "deadline", "payment")
  if not f[1] then return nil end
  return { state = f[1], zone = f[2], qty = tonumber(f[3]), user = f[4], deadline = tonumber(f[5]),
           payment = f[6] }
end

--[[
  One reservation; shared by reserve-8 and reserve_batch-5. k holds the keys (zone, show, meta,
  users, expiry, soldout, hold, idem), r the request fields as strings. Returns
  {code, hold_id, remaining_seats, deadline_ms}. Check order is documented in reserve-8.lua.
]]
local function reserve_one(k, r, now, idem_ttl_ms)
  local fp = fingerprint(r.tenant, r.user, r.show, r.zone, r.qty)
  local prior = rcall("HMGET", k.idem, "hold", "fp", "deadline")
  if prior[1] then
    if prior[2] ~= fp then return { C.IDEMPOTENCY_CONFLICT, prior[1], 0, 0 } end
    return { C.REPLAYED, prior[1], tonumber(rcall("HGET", k.zone, "available") or "0"), tonumber(prior[3]) }
  end
  local z = rcall("HMGET", k.zone, "show", "active", "sale_start", "sale_end", "min", "max", "available")
  if not z[1] or z[1] ~= r.show then return { C.ZONE_NOT_FOUND, "", 0, 0 } end
  local avail = tonumber(z[7])
  if z[2] ~= "1" then return { C.ZONE_INACTIVE, "", avail, 0 } end
  local sh = rcall("HMGET", k.show, "sale_start", "sale_end")
  local ev = rcall("HMGET", k.meta, "booking_start", "booking_end", "max_per_user")
  local code = window_code(now, z[3], z[4])
  if code == C.OK then code = window_code(now, sh[1], sh[2]) end
  if code == C.OK then code = window_code(now, ev[1], ev[2]) end
  if code ~= C.OK then return { code, "", avail, 0 } end
  local qty = tonumber(r.qty)
  if not qty or qty ~= math.floor(qty) or qty < 1 or qty < tonumber(z[5]) or qty > tonumber(z[6]) then
    return { C.INVALID_QUANTITY, "", avail, 0 }
  end
  if avail <= 0 then return { C.SOLD_OUT, "", avail, 0 } end
  if avail < qty then return { C.INSUFFICIENT_SEATS, "", avail, 0 } end
  local limit = num(ev[3])
  if limit and tonumber(rcall("HGET", k.users, r.user) or "0") + qty > limit then
    return { C.LIMIT_EXCEEDED, "", avail, 0 }
  end
  if rcall("EXISTS", k.hold) == 1 then return { C.HOLD_ID_TAKEN, r.hold, avail, 0 } end

  avail = rcall("HINCRBY", k.zone, "available", -qty)
  rcall("HINCRBY", k.zone, "reserved", qty)
  flag_sold_out(k.soldout, r.zone, avail)
  rcall("HINCRBY", k.users, r.user, qty)
  local deadline = now + tonumber(r.ttl)
  -- No TTL while held: the record must outlive its deadline until expire_due returns the seats.
  rcall("HSET", k.hold, "state", "held", "tenant", r.tenant, "user", r.user, "show", r.show, "zone", r.zone,
        "qty", qty, "deadline", deadline, "idem", r.idem, "created", now)
  rcall("ZADD", k.expiry, deadline, r.hold)
  rcall("HSET", k.idem, "hold", r.hold, "fp", fp, "deadline", deadline)
  rcall("PEXPIRE", k.idem, idem_ttl_ms)
  return { C.OK, r.hold, avail, deadline }
end
