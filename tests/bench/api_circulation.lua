-- tests/bench/api_circulation.lua: wrk script for checkout+checkin pairs
-- through the JSON API. Each thread drives one connection through its own
-- copies: POST /api/v1/checkouts A<t>-<k>, then POST /api/v1/checkins
-- A<t>-<k>, then the next copy. Needs, in the environment:
--   CARREL_BENCH_TOKEN   a librarian's read-write API token
--   CARREL_BENCH_COPIES  copies per thread (barcodes A<t>-0 ... made by
--                        api.sh)
local threads = {}
local next_id = 0

function setup(thread)
   thread:set("id", next_id)
   next_id = next_id + 1
   table.insert(threads, thread)
end

function init(args)
   token = os.getenv("CARREL_BENCH_TOKEN")
   copies = tonumber(os.getenv("CARREL_BENCH_COPIES") or "10")
   step = 0
   failures = 0
end

request = function()
   local k = math.floor(step / 2) % copies
   local barcode = string.format("A%d-%d", id, k)
   local path, body
   if step % 2 == 0 then
      path = "/api/v1/checkouts"
      body = '{"member": "bench@example.org", "barcode": "' .. barcode .. '"}'
   else
      path = "/api/v1/checkins"
      body = '{"barcode": "' .. barcode .. '"}'
   end
   return wrk.format("POST", path, {
      ["Authorization"] = "Bearer " .. token,
      ["Content-Type"] = "application/json",
   }, body)
end

-- The step moves on when an answer arrives (wrk may build a request it
-- never sends). A checkout answers 201, a checkin 200.
response = function(status, headers, body)
   if status ~= 201 and status ~= 200 then
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
