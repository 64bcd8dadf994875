#include "tests/bench/latency_summary.h"

#include <algorithm>
#include <cmath>

namespace users::bench {
namespace {

double NearestRankMs(const std::vector<uint32_t>& sorted, double percent) {
  size_t rank = static_cast<size_t>(
      std::ceil(percent / 100.0 * static_cast<double>(sorted.size())));
  rank = std::clamp<size_t>(rank, 1, sorted.size());
  return sorted[rank - 1] / 1000.0;
}

}  // namespace

LatencySummary Summarize(std::vector<uint32_t>& latencies_us,
                         double window_seconds) {
  LatencySummary summary;
  if (latencies_us.empty()) return summary;
  std::sort(latencies_us.begin(), latencies_us.end());
  summary.calls = static_cast<int64_t>(latencies_us.size());
  summary.throughput_per_second =
      window_seconds > 0 ? static_cast<double>(summary.calls) / window_seconds
                         : 0;
  summary.p50_ms = NearestRankMs(latencies_us, 50);
  summary.p99_ms = NearestRankMs(latencies_us, 99);
  summary.max_ms = latencies_us.back() / 1000.0;
  return summary;
}

}  // namespace users::bench
