-- tests/bench/catalogue.lua: wrk script for the catalogue bench. Each
-- request is a path picked at random from a list, one path a line (made by
-- `gen_catalogue --queries`, or a single line for the static twin):
--
--   CARREL_BENCH_QUERIES=queries.txt wrk -s tests/bench/catalogue.lua URL
--   wrk -s tests/bench/catalogue.lua URL -- queries.txt
--
-- CARREL_BENCH_SEED (default 42) seeds each thread's choice, so a run asks
-- the same questions in the same order as the last one. Every answer that
-- is not 2xx is counted by status (3xx included, which wrk's own
-- "Non-2xx or 3xx" line leaves out). At the end one line for the caller:
--
--   carrel-bench requests=N seconds=S rps=R p50_us=A p90_us=B p99_us=C
--                non2xx=M socket_errors=E
--
-- followed by "carrel-bench status CODE: COUNT" for each non-2xx status.
--
-- CARREL_BENCH_FRESH names a second list, of searches asked nowhere else,
-- and CARREL_BENCH_FRESH_PERCENT how many requests in a hundred take the
-- next one of them instead (each is asked once: thread i of
-- CARREL_BENCH_THREADS takes lines i, i + threads, ...; when they run out
-- the first list serves). With nginx's page cache warm, these are the
-- searches that still reach a worker.

local threads = {}

function setup(thread)
   thread:set("id", #threads + 1)
   table.insert(threads, thread)
end

local function query_file(args)
   for i = 1, #args do
      if args[i] ~= "--" and args[i] ~= "" then
         return args[i]
      end
   end
   return os.getenv("CARREL_BENCH_QUERIES")
end

function init(args)
   local file = query_file(args or {})
   if not file then
      error("catalogue.lua: no query list (CARREL_BENCH_QUERIES or an argument after --)")
   end
   paths = {}
   for line in io.lines(file) do
      if line ~= "" then
         paths[#paths + 1] = line
      end
   end
   if #paths == 0 then
      error("catalogue.lua: " .. file .. " holds no paths")
   end
   npaths = #paths
   local seed = tonumber(os.getenv("CARREL_BENCH_SEED") or "42")
   math.randomseed(seed * 7919 + id)
   statuses = {}
   fresh = {}
   fresh_percent = tonumber(os.getenv("CARREL_BENCH_FRESH_PERCENT") or "0")
   local fresh_file = os.getenv("CARREL_BENCH_FRESH")
   if fresh_file and fresh_file ~= "" and fresh_percent > 0 then
      for line in io.lines(fresh_file) do
         if line ~= "" then
            fresh[#fresh + 1] = line
         end
      end
   end
   fresh_next = id
   fresh_step = tonumber(os.getenv("CARREL_BENCH_THREADS") or "1")
end

function request()
   if fresh_percent > 0 and fresh_next <= #fresh and math.random(100) <= fresh_percent then
      local path = fresh[fresh_next]
      fresh_next = fresh_next + fresh_step
      return wrk.format("GET", path)
   end
   return wrk.format("GET", paths[math.random(npaths)])
end

function response(status, headers, body)
   if status < 200 or status > 299 then
      statuses[status] = (statuses[status] or 0) + 1
   end
end

function done(summary, latency, requests)
   local bad, by_status = 0, {}
   for _, thread in ipairs(threads) do
      local s = thread:get("statuses")
      if s then
         for code, n in pairs(s) do
            by_status[code] = (by_status[code] or 0) + n
            bad = bad + n
         end
      end
   end
   local e = summary.errors
   local seconds = summary.duration / 1e6
   io.write(string.format(
      "carrel-bench requests=%d seconds=%.2f rps=%.1f p50_us=%d p90_us=%d p99_us=%d non2xx=%d socket_errors=%d\n",
      summary.requests, seconds, summary.requests / seconds,
      latency:percentile(50), latency:percentile(90), latency:percentile(99),
      bad, e.connect + e.read + e.write + e.timeout))
   local codes = {}
   for code in pairs(by_status) do
      codes[#codes + 1] = code
   end
   table.sort(codes)
   for _, code in ipairs(codes) do
      io.write(string.format("carrel-bench status %d: %d\n", code, by_status[code]))
   end
end
