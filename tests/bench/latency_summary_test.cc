#include "tests/bench/latency_summary.h"

#include <gtest/gtest.h>

namespace users::bench {
namespace {

TEST(SummarizeTest, NoCallsIsAllZero) {
  std::vector<uint32_t> none;
  LatencySummary summary = Summarize(none, 10);
  EXPECT_EQ(summary.calls, 0);
  EXPECT_EQ(summary.throughput_per_second, 0);
  EXPECT_EQ(summary.p99_ms, 0);
}

TEST(SummarizeTest, NearestRankPercentilesOfUnsortedInput) {
  // 1..100 ms, shuffled: p50 is the 50th value, p99 the 99th.
  std::vector<uint32_t> latencies;
  for (uint32_t ms = 100; ms >= 1; --ms) latencies.push_back(ms * 1000);
  LatencySummary summary = Summarize(latencies, 4);
  EXPECT_EQ(summary.calls, 100);
  EXPECT_DOUBLE_EQ(summary.throughput_per_second, 25);
  EXPECT_DOUBLE_EQ(summary.p50_ms, 50);
  EXPECT_DOUBLE_EQ(summary.p99_ms, 99);
  EXPECT_DOUBLE_EQ(summary.max_ms, 100);
}

TEST(SummarizeTest, OneCallIsEveryPercentile) {
  std::vector<uint32_t> latencies = {1500};
  LatencySummary summary = Summarize(latencies, 1);
  EXPECT_DOUBLE_EQ(summary.p50_ms, 1.5);
  EXPECT_DOUBLE_EQ(summary.p99_ms, 1.5);
}

TEST(SummarizeTest, ATailOfOnePercentShowsOnlyInTheMax) {
  // 99 fast calls and one slow one: p99 is still fast.
  std::vector<uint32_t> latencies(99, 2000);
  latencies.push_back(900000);
  LatencySummary summary = Summarize(latencies, 1);
  EXPECT_DOUBLE_EQ(summary.p99_ms, 2);
  EXPECT_DOUBLE_EQ(summary.max_ms, 900);
}

}  // namespace
}  // namespace users::bench
