-- wrk script for POST /api/v1/signals: a new signal per request, with its own Idempotency-Key
-- (a retry of the same key would answer from the stored response and store nothing), about one
-- of the children listed in BENCH_CHILDREN (lines `iin|district|child_id`), matched by IIN, filed
-- in BENCH_REGION / BENCH_DISTRICT. Bodies are built per request, which oha cannot do; wrk's
-- Lua can, at a few µs each.

local token = os.getenv("BENCH_TOKEN")
local run = os.getenv("BENCH_RUN_ID")
local region = os.getenv("BENCH_REGION")
local district = os.getenv("BENCH_DISTRICT")
local iins = {}
for line in io.lines(os.getenv("BENCH_CHILDREN")) do
   local iin = line:match("^([^|]+)|")
   if iin then
      iins[#iins + 1] = iin
   end
end

local threads = 0
function setup(thread)
   threads = threads + 1
   thread:set("tid", threads)
end

local counter = 0
local body = '{"source":"mobile_group","concerns":["neglect","violence_physical"],"urgency":"high",'
   .. '"description":"Neighbours report the child alone at home for days.",'
   .. '"observed_at":"2026-11-24T18:30:00Z","region_code":"%s","district_code":"%s",'
   .. '"child":{"iin":"%s"},'
   .. '"reporter":{"name":"Neighbour","phone":"+77010000000","relation":"neighbour","anonymous":false}}'

function request()
   counter = counter + 1
   local iin = iins[(counter * 7 + tid) % #iins + 1]
   return wrk.format("POST", "/api/v1/signals", {
      ["Authorization"] = "Bearer " .. token,
      ["Content-Type"] = "application/json",
      ["Idempotency-Key"] = string.format("%s-%d-%d", run, tid, counter),
   }, string.format(body, region, district, iin))
end

-- The RESULT line bench/run reads (bench/lib/report.lua).
dofile(os.getenv("BENCH_LIB") .. "/report.lua")
