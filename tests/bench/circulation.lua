-- tests/bench/circulation.lua: wrk script for checkout+checkin pairs. Each
-- thread drives one connection through its own copies: checkout B<t>-<k>,
-- then checkin B<t>-<k>, then the next copy. Needs, in the environment:
--   CARREL_BENCH_COOKIE  the staff session cookie ("carrel_session=...")
--   CARREL_BENCH_CSRF    that session's form token
--   CARREL_BENCH_COPIES  copies per thread (barcodes B<t>-0 ... made by
--                        circulation.sh)
local threads = {}
local next_id = 0

function setup(thread)
   thread:set("id", next_id)
   next_id = next_id + 1
   table.insert(threads, thread)
end

function init(args)
   cookie = os.getenv("CARREL_BENCH_COOKIE")
   csrf = os.getenv("CARREL_BENCH_CSRF")
   copies = tonumber(os.getenv("CARREL_BENCH_COPIES") or "10")
   step = 0
   failures = 0
end

request = function()
   local k = math.floor(step / 2) % copies
   local barcode = string.format("B%d-%d", id, k)
   local path, body
   if step % 2 == 0 then
      path = "/staff/checkout"
      body = "member=bench%40example.org&barcode=" .. barcode .. "&csrf=" .. csrf
   else
      path = "/staff/checkin"
      body = "barcode=" .. barcode .. "&csrf=" .. csrf
   end
   return wrk.format("POST", path, {
      ["Cookie"] = cookie,
      ["Content-Type"] = "application/x-www-form-urlencoded",
   }, body)
end

-- The step moves on when an answer arrives, not when a request is made:
-- wrk may build a request it never sends.
response = function(status, headers, body)
   if status ~= 303 then
      failures = failures + 1
   end
   step = step + 1
end

done = function(summary, latency, requests)
   local failed = 0
   for _, t in ipairs(threads) do
      failed = failed + (t:get("failures") or 0)
   end
   local seconds = summary.duration / 1e6
   io.write(string.format("carrel-bench requests=%d seconds=%.2f pairs_per_s=%.1f " ..
      "p50_us=%d p99_us=%d refused=%d\n", summary.requests, seconds,
      summary.requests / 2 / seconds, latency:percentile(50), latency:percentile(99), failed))
end
