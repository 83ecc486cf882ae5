--[[
  Forget an idempotency record, but only if it still points at the given hold.
  booking-service calls this after it gave a hold back because the booking could not be stored: the record
  would otherwise send every retry with the same key to a hold no booking will ever carry (for 24 h).
  A record that names another hold (the key was reused since) is left alone.

  Input:
    KEYS[1] idempotency hash   <p>:{evt:E}:idem:<K>
    ARGV[1] hold id

  Output:
    0 OK          the record named this hold and is gone
    2 UNCHANGED   no record, or it names another hold

  Writes on OK: DEL KEYS[1].
]]
local rcall = redis.call
local idem, hold_id = KEYS[1], ARGV[1]

if rcall("HGET", idem, "hold") ~= hold_id then return 2 end
rcall("DEL", idem)
return 0
