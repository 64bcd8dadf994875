#include "services/metrics/histogram.h"

#include <cmath>
#include <memory>
#include <vector>

#include "gtest/gtest.h"

namespace users::metrics {
namespace {

// Buckets are inclusive upper bounds (v <= le) and cumulative; +Inf (the
// last count) holds everything, NaN included.
TEST(HistogramTest, CountsIntoInclusiveCumulativeBuckets) {
  const struct {
    std::vector<double> observations;
    std::vector<uint64_t> cumulative;  // for le = 1, 2, 5, +Inf
    double sum;
  } cases[] = {
      {{}, {0, 0, 0, 0}, 0},        {{0.5}, {1, 1, 1, 1}, 0.5},
      {{1}, {1, 1, 1, 1}, 1},       {{1.0000001}, {0, 1, 1, 1}, 1.0000001},
      {{2, 2, 2}, {0, 3, 3, 3}, 6}, {{5, 6}, {0, 0, 1, 2}, 11},
      {{-3}, {1, 1, 1, 1}, -3},     {{0.1, 1.5, 4, 100}, {1, 2, 3, 4}, 105.6},
  };
  auto bounds =
      std::make_shared<const std::vector<double>>(std::vector<double>{1, 2, 5});
  for (const auto& c : cases) {
    Histogram histogram(bounds);
    for (double v : c.observations) histogram.Observe(v);
    Histogram::Snapshot snapshot = histogram.Read();
    EXPECT_EQ(snapshot.cumulative, c.cumulative);
    EXPECT_EQ(snapshot.count(), c.observations.size());
    EXPECT_DOUBLE_EQ(snapshot.sum, c.sum);
  }
}

TEST(HistogramTest, NaNGoesToInfBucketOnly) {
  auto bounds =
      std::make_shared<const std::vector<double>>(std::vector<double>{1});
  Histogram histogram(bounds);
  histogram.Observe(std::nan(""));
  Histogram::Snapshot snapshot = histogram.Read();
  EXPECT_EQ(snapshot.cumulative, (std::vector<uint64_t>{0, 1}));
  EXPECT_TRUE(std::isnan(snapshot.sum));
}

TEST(HistogramTest, DefaultDurationBucketsIncreaseAndCoverTheHotPath) {
  std::vector<double> bounds = DefaultDurationBuckets();
  ASSERT_FALSE(bounds.empty());
  for (size_t i = 1; i < bounds.size(); ++i) {
    EXPECT_LT(bounds[i - 1], bounds[i]);
  }
  EXPECT_LE(bounds.front(), 0.001);  // sub-millisecond reads
  EXPECT_GE(bounds.back(), 5.0);     // statement timeout
}

}  // namespace
}  // namespace users::metrics
