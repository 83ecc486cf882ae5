--[[
  Re-insert a hold after Redis lost its data (rebuild job), after open_zone-6.lua ran with rebuild "1".
  The zone counters already include this hold (the rebuild passes them explicitly), so they are NOT
  touched here: only the hold record, the user's total, the expiry index and the idempotency record.

  Input:
    KEYS[1] zone hash        <p>:{evt:E}:zone:<Z>
    KEYS[2] hold hash        <p>:{evt:E}:hold:<H>
    KEYS[3] idempotency hash <p>:{evt:E}:idem:<K>
    KEYS[4] per-user totals  <p>:{evt:E}:users
    KEYS[5] expiry index     <p>:{evt:E}:expiry

    ARGV[1] tenant id   ARGV[2] user id   ARGV[3] show id   ARGV[4] zone id   ARGV[5] quantity (count)
    ARGV[6] hold id     ARGV[7] idempotency key   ARGV[8] deadline (epoch-ms)
    ARGV[9] state: "held" | "confirmed"   ARGV[10] payment id ("" when held)
    ARGV[11] now (epoch-ms)   ARGV[12] idempotency ttl (ms)

  Output:
     0 OK                restored
     2 UNCHANGED         hold already present (restore is idempotent; nothing written)
    10 ZONE_NOT_FOUND    zone not loaded, or belongs to another show
    31 INVALID_ARGUMENT  bad state or quantity
]]
local rcall = redis.call
-- @include _lib
local zone, hold, idem, users, expiry = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local user, show, qty, hold_id, deadline, state = ARGV[2], ARGV[3], tonumber(ARGV[5]), ARGV[6], ARGV[8], ARGV[9]

if (state ~= "held" and state ~= "confirmed") or not qty or qty < 1 then return C.INVALID_ARGUMENT end
if rcall("EXISTS", hold) == 1 then return C.UNCHANGED end
if rcall("HGET", zone, "show") ~= show then return C.ZONE_NOT_FOUND end
rcall("HSET", hold, "state", state, "tenant", ARGV[1], "user", user, "show", show, "zone", ARGV[4],
      "qty", qty, "deadline", deadline, "idem", ARGV[7], "created", ARGV[11])
if state == "confirmed" then
  rcall("HSET", hold, "payment", ARGV[10])
else
  rcall("ZADD", expiry, deadline, hold_id)
end
rcall("HINCRBY", users, user, qty)
rcall("HSET", idem, "hold", hold_id, "fp", fingerprint(ARGV[1], user, show, ARGV[4], ARGV[5]), "deadline", deadline)
rcall("PEXPIRE", idem, tonumber(ARGV[12]))
return C.OK
