#include "services/metrics/callback_gauges.h"

#include <atomic>
#include <stdexcept>

#include "gtest/gtest.h"
#include "prometheus/metric_family.h"

namespace users::metrics {
namespace {

TEST(CallbackGaugesTest, ReadsEachGaugeAtEveryCollection) {
  CallbackGauges gauges;
  std::atomic<int> waiting{1};
  gauges.Add("pool_waiting", "work waiting",
             [&waiting] { return waiting.load(); });
  gauges.Add("pool_size", "connections", [] { return 8; });

  std::vector<prometheus::MetricFamily> first = gauges.Collect();
  waiting = 5;
  std::vector<prometheus::MetricFamily> second = gauges.Collect();

  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].name, "pool_waiting");
  EXPECT_EQ(first[0].help, "work waiting");
  EXPECT_EQ(first[0].type, prometheus::MetricType::Gauge);
  ASSERT_EQ(first[0].metric.size(), 1u);
  EXPECT_TRUE(first[0].metric[0].label.empty());
  EXPECT_EQ(first[0].metric[0].gauge.value, 1);
  EXPECT_EQ(second[0].metric[0].gauge.value, 5);
  EXPECT_EQ(second[1].name, "pool_size");
  EXPECT_EQ(second[1].metric[0].gauge.value, 8);
}

// Misuse is a bug found at start-up: an exception, and nothing added.
TEST(CallbackGaugesTest, RefusesBadAndRepeatedNames) {
  CallbackGauges gauges;
  gauges.Add("depth", "h", [] { return 1; });
  EXPECT_THROW(gauges.Add("depth", "h", [] { return 2; }),
               std::invalid_argument);
  EXPECT_THROW(gauges.Add("bad-name", "h", [] { return 3; }),
               std::invalid_argument);
  std::vector<prometheus::MetricFamily> families = gauges.Collect();
  ASSERT_EQ(families.size(), 1u);
  EXPECT_EQ(families[0].metric[0].gauge.value, 1);
}

}  // namespace
}  // namespace users::metrics
