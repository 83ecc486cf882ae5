--[[
  Reserve seats in one zone for one user: the unbatched hot path.

  Input:
    KEYS[1] zone hash        <p>:{evt:E}:zone:<Z>
    KEYS[2] show hash        <p>:{evt:E}:show:<S>
    KEYS[3] event meta hash  <p>:{evt:E}:meta
    KEYS[4] per-user totals  <p>:{evt:E}:users      (field user id -> seats held + bought)
    KEYS[5] expiry index     <p>:{evt:E}:expiry     (ZSET hold id, score deadline epoch-ms)
    KEYS[6] sold-out set     <p>:{evt:E}:soldout    (also the PUBLISH channel)
    KEYS[7] hold hash        <p>:{evt:E}:hold:<H>
    KEYS[8] idempotency hash <p>:{evt:E}:idem:<K>

    ARGV[1] tenant id      ARGV[2] user id      ARGV[3] show id     ARGV[4] zone id
    ARGV[5] quantity (count)                    ARGV[6] hold id     ARGV[7] idempotency key
    ARGV[8] hold ttl (ms)  ARGV[9] now (epoch-ms)                   ARGV[10] idempotency ttl (ms)

  Checks, in this order (first failure wins):
    1. idempotency key seen: same parameters -> REPLAYED (original hold), else IDEMPOTENCY_CONFLICT
    2. zone exists and belongs to the show      3. zone active
    4. sale windows: zone, then show, then event booking window ([start, end), NULL = unbounded)
    5. 1 <= min_per_order <= quantity <= max_per_order   6. seats: SOLD_OUT / INSUFFICIENT_SEATS
    7. user's held + bought + quantity <= max_tickets_per_user   8. hold id not already used

  Output:
    {code, hold_id, remaining_seats, deadline_epoch_ms}
     0 OK                    1 REPLAYED               10 ZONE_NOT_FOUND       11 ZONE_INACTIVE
    12 SALE_NOT_STARTED     13 SALE_ENDED             14 INVALID_QUANTITY     15 SOLD_OUT
    16 INSUFFICIENT_SEATS   17 LIMIT_EXCEEDED         18 IDEMPOTENCY_CONFLICT 19 HOLD_ID_TAKEN

  Writes on OK: zone available -= q, reserved += q (sold-out flag + PUBLISH on reaching 0); user total
  += q; hold hash (state "held", no TTL); expiry ZSET entry; idempotency hash with TTL ARGV[10].
]]
local rcall = redis.call
-- @include _lib
local keys = {
  zone = KEYS[1], show = KEYS[2], meta = KEYS[3], users = KEYS[4],
  expiry = KEYS[5], soldout = KEYS[6], hold = KEYS[7], idem = KEYS[8],
}
local req = {
  tenant = ARGV[1], user = ARGV[2], show = ARGV[3], zone = ARGV[4],
  qty = ARGV[5], hold = ARGV[6], idem = ARGV[7], ttl = ARGV[8],
}
return reserve_one(keys, req, tonumber(ARGV[9]), tonumber(ARGV[10]))
