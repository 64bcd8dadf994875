-- wrk's done() for the benchmark's HTTP scenarios: one JSON line on stdout
-- with the same keys as grpc_update_load ("calls" are 2xx responses; the
-- latency percentiles are wrk's, over every response).
-- Loaded with dofile() by the scenario scripts.
function done(summary, latency, requests)
  local errors = summary.errors
  local ok = summary.requests - errors.status
  local seconds = summary.duration / 1e6
  io.write(string.format(
    '{"calls": %d, "throughput": %.3f, "p50_ms": %.3f, "p99_ms": %.3f, ' ..
    '"max_ms": %.3f, "errors": {"status": %d, "connect": %d, "read": %d, ' ..
    '"write": %d, "timeout": %d}}\n',
    ok, ok / seconds, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, errors.status,
    errors.connect, errors.read, errors.write, errors.timeout))
end
