#include "services/metrics/exposition.h"

#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "services/metrics/callback_gauges.h"

namespace users::metrics {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A registry as userd and the gateway fill it, registered and recorded out
// of order, with callback gauges next to it, rendered against a golden file:
// families by name, series by labels, escaped label values, histogram
// buckets/_count/_sum, values read at render time.
TEST(ExpositionTest, RendersGoldenExposition) {
  prometheus::Registry registry;
  auto& handling = prometheus::BuildHistogram()
                       .Name("grpc_server_handling_seconds")
                       .Help("Time to answer an RPC, in seconds.")
                       .Register(registry);
  auto& handled = prometheus::BuildCounter()
                      .Name("grpc_server_handled_total")
                      .Help("RPCs answered, by method and gRPC code.")
                      .Register(registry);
  auto& webhooks = prometheus::BuildCounter()
                       .Name("userd_webhook_calls_total")
                       .Help("validateUserUpdated webhook calls by outcome.")
                       .Register(registry);
  auto& build = prometheus::BuildGauge()
                    .Name("userd_build_info")
                    .Help("Build information.")
                    .Register(registry);
  CallbackGauges gauges;
  int in_use = 3;
  gauges.Add("userd_db_pool_in_use",
             "Database connections running a statement.",
             [&in_use] { return in_use; });
  gauges.Add("userd_hash_queue_depth", "Password hashes waiting for a worker.",
             [] { return 6; });

  auto method = [](const char* name) {
    return prometheus::Labels{{"grpc_service", "users.v1.UserService"},
                              {"grpc_method", name}};
  };
  auto with_code = [&](const char* name, const char* code) {
    prometheus::Labels labels = method(name);
    labels.emplace("grpc_code", code);
    return labels;
  };
  handled.Add(with_code("UpdateUser", "OK")).Increment(5);
  handled.Add(with_code("GetUser", "NOT_FOUND")).Increment();
  handled.Add(with_code("UpdateUser", "ABORTED")).Increment(2);
  handled.Add(with_code("GetUser", "OK"));  // created, never incremented
  const prometheus::Histogram::BucketBoundaries buckets = {0.005, 0.05, 0.5};
  auto& update = handling.Add(method("UpdateUser"), buckets);
  update.Observe(0.00390625);
  update.Observe(0.0048828125);
  update.Observe(0.25);
  update.Observe(2);
  handling.Add(method("CreateUser"), buckets).Observe(0.0625);
  webhooks.Add({{"outcome", "rejected \"bad\"\\ok\nnext"}}).Increment();
  build.Add({{"version", "0.1.0"}, {"commit", "abcdef0"}}).Set(1);
  in_use = 4;  // read at render time

  std::string golden = ReadFile(USERS_METRICS_TESTDATA "/exposition.prom");
  ASSERT_FALSE(golden.empty());
  const std::string text = RenderExposition({&registry, &gauges});
  EXPECT_EQ(text, golden);
  // Stable: the same state renders the same text.
  EXPECT_EQ(RenderExposition({&gauges, &registry}), text);
}

TEST(ExpositionTest, NothingToCollectRendersNothing) {
  prometheus::Registry registry;
  CallbackGauges gauges;
  EXPECT_EQ(RenderExposition({}), "");
  EXPECT_EQ(RenderExposition({&registry, &gauges}), "");
}

// prometheus-cpp keeps a family's series in a hash map; the text is sorted
// by labels whatever order they were added in.
TEST(ExpositionTest, SeriesAreSortedByLabels) {
  prometheus::Registry registry;
  auto& family =
      prometheus::BuildCounter().Name("c_total").Help("h").Register(registry);
  for (int i = 99; i >= 0; --i) {
    family.Add({{"n", std::to_string(1000 + i)}}).Increment(i);
  }
  const std::string text = RenderExposition({&registry});
  size_t last = 0;
  for (int i = 0; i < 100; ++i) {
    const std::string line = "c_total{n=\"" + std::to_string(1000 + i) +
                             "\"} " + std::to_string(i) + "\n";
    size_t at = text.find(line);
    ASSERT_NE(at, std::string::npos) << line;
    EXPECT_GT(at, last) << line;
    last = at;
  }
}

}  // namespace
}  // namespace users::metrics
