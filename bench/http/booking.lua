-- wrk script for POST /api/v1/bookings: a fresh user (pre-minted JWT) and a unique Idempotency-Key per request,
-- status codes counted in the response hook, one JSON line printed by done() for bench/http/wrk.py to parse.
--
-- Args (after wrk's "--"):
--   1 tokens directory (tokens-<thread index>.txt, one JWT a line, written by bench/http/tokens.py)
--   2 run tag (makes Idempotency-Keys unique across runs)
--   3 event id, 4 show id, 5 zone id
--   6.. per-thread start index into that thread's token file (0-based; the caller advances it between runs so
--       no user books twice); past the end the tokens wrap and "wrapped" counts the reuses.
-- Output (stdout, last line): {"requests":..,"duration_us":..,"sent":..,"wrapped":..,"p50_us":..,"p99_us":..,
--   "errors":{..},"status":{"201":..},"sent_per_thread":[..]}

local threads = {}

function setup(thread)
   thread:set("index", #threads)
   table.insert(threads, thread)
end

function init(args)
   tokens = {}
   for line in io.lines(args[1] .. "/tokens-" .. index .. ".txt") do
      tokens[#tokens + 1] = line
   end
   tag = args[2]
   body = string.format('{"event_id":"%s","show_id":"%s","zone_id":"%s","quantity":1}', args[3], args[4], args[5])
   start = tonumber(args[6 + index] or "0")
   sent = 0
   wrapped = 0
   status = {}
end

function request()
   local n = start + sent
   sent = sent + 1
   if n >= #tokens then
      wrapped = wrapped + 1
   end
   local headers = {
      ["Authorization"] = "Bearer " .. tokens[(n % #tokens) + 1],
      ["Content-Type"] = "application/json",
      ["Idempotency-Key"] = tag .. "-" .. index .. "-" .. sent,
   }
   return wrk.format("POST", nil, headers, body)
end

function response(code, headers, resp_body)
   local key = tostring(code)
   status[key] = (status[key] or 0) + 1
end

function done(summary, latency, requests)
   local total_sent, total_wrapped, per_thread, codes = 0, 0, {}, {}
   for _, thread in ipairs(threads) do
      local s = thread:get("sent")
      total_sent = total_sent + s
      total_wrapped = total_wrapped + thread:get("wrapped")
      per_thread[#per_thread + 1] = tostring(s)
      for code, count in pairs(thread:get("status")) do
         codes[code] = (codes[code] or 0) + count
      end
   end
   local parts = {}
   for code, count in pairs(codes) do
      parts[#parts + 1] = string.format('"%s":%d', code, count)
   end
   local e = summary.errors
   io.write(string.format(
      '\n{"requests":%d,"duration_us":%d,"sent":%d,"wrapped":%d,"p50_us":%d,"p99_us":%d,' ..
      '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},"status":{%s},"sent_per_thread":[%s]}\n',
      summary.requests, summary.duration, total_sent, total_wrapped, latency:percentile(50), latency:percentile(99),
      e.connect, e.read, e.write, e.status, e.timeout, table.concat(parts, ","), table.concat(per_thread, ",")))
end
