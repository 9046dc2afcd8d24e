-- Shared by the wrk scripts of bench/lib: at the end of a run, one machine-readable line with
-- throughput, latency percentiles (ms) and errors, which bench/run reads.

function done(summary, latency, requests)
   local seconds = summary.duration / 1e6
   local e = summary.errors
   io.write(string.format(
      "RESULT rps=%.1f p50=%.3f p95=%.3f p99=%.3f mean=%.3f requests=%d errors=%d non2xx=%d\n",
      summary.requests / seconds,
      latency:percentile(50) / 1000, latency:percentile(95) / 1000,
      latency:percentile(99) / 1000, latency.mean / 1000,
      summary.requests, e.connect + e.read + e.write + e.timeout, e.status))
end
