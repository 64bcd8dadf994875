#ifndef USERS_TESTS_BENCH_LATENCY_SUMMARY_H_
#define USERS_TESTS_BENCH_LATENCY_SUMMARY_H_

#include <cstdint>
#include <vector>

namespace users::bench {

// Throughput and latency percentiles of the calls that completed inside a
// measurement window.
struct LatencySummary {
  int64_t calls = 0;
  double throughput_per_second = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
};

// Summarises `latencies_us` (any order; sorted in place) of calls that
// completed within a window of `window_seconds` (> 0). Percentiles are
// nearest-rank: the smallest latency with at least p% of the calls at or
// below it. With no calls, everything is 0.
LatencySummary Summarize(std::vector<uint32_t>& latencies_us,
                         double window_seconds);

}  // namespace users::bench

#endif  // USERS_TESTS_BENCH_LATENCY_SUMMARY_H_
