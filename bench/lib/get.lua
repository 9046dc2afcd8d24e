-- wrk script for the GET targets: every request carries the bearer token of BENCH_TOKEN; at the
-- end one machine-readable line with throughput, latency percentiles (ms) and errors.

wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")

-- The RESULT line bench/run reads (bench/lib/report.lua).
dofile(os.getenv("BENCH_LIB") .. "/report.lua")
