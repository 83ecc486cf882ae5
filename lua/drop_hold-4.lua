--[[
  Withdraw a HELD hold without touching the zone counters (the reconciler's repair of an orphan: a hold with
  no booking row). The counters are then set by set_zone_counters-2.lua from the holds that remain, so seats
  are never returned twice and never while the hold still exists. Unlike release-5, this never moves seats.

  Input:
    KEYS[1] event base key   <p>:{evt:E}:           (the idempotency key is built from it)
    KEYS[2] hold hash        <p>:{evt:E}:hold:<H>
    KEYS[3] expiry index     <p>:{evt:E}:expiry
    KEYS[4] per-user totals  <p>:{evt:E}:users

    ARGV[1] hold id   ARGV[2] now (epoch-ms)   ARGV[3] terminal-record ttl (ms)

  Output:
     0 OK               hold marked "released" (TTL ARGV[3]), expiry entry removed, user total -= qty,
                        its idempotency record deleted (a retry with that key reserves afresh)
    20 HOLD_NOT_FOUND   no record
    22 HOLD_RELEASED    the hold is no longer "held" (confirmed, released or expired meanwhile): untouched
]]
local rcall = redis.call
-- @include _lib
local base, hkey, expiry, users = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local hold_id, now, ttl = ARGV[1], ARGV[2], tonumber(ARGV[3])

local h = load_hold(hkey)
if not h then return C.HOLD_NOT_FOUND end
if h.state ~= "held" then return C.HOLD_RELEASED end
rcall("ZREM", expiry, hold_id)
if rcall("HINCRBY", users, h.user, -h.qty) <= 0 then rcall("HDEL", users, h.user) end
local idem = rcall("HGET", hkey, "idem")
if idem and rcall("HGET", idem_key(base, idem), "hold") == hold_id then rcall("DEL", idem_key(base, idem)) end
rcall("HSET", hkey, "state", "released", "closed_at", now, "closed_by", "reconcile")
rcall("PEXPIRE", hkey, ttl)
return C.OK
