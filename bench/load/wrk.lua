-- The HTTP load of `npm run bench` (driven by bench/load/wrk.ts): wrk's closed loop over keep-alive
-- connections, with the bearer token on every request, and wrk's own latency distribution printed
-- as one JSON line at the end. With BENCH_CREATE_PREFIX set, each request is a POST creating an
-- author with a fresh name (names are unique in the table).
local token = os.getenv("BENCH_TOKEN")
local create_prefix = os.getenv("BENCH_CREATE_PREFIX")

wrk.headers["Authorization"] = "Bearer " .. token

if create_prefix then
  local counter = 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  request = function()
    counter = counter + 1
    return wrk.format(nil, nil, nil, '{"json":{"name":"' .. create_prefix .. counter .. '"}}')
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"durationUs":%d,"status":%d,"socket":%d,"p50Us":%d,"p99Us":%d}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
