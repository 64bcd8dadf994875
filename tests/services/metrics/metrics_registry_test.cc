#include "services/metrics/metrics_registry.h"

#include <atomic>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace users::metrics {
namespace {

using ::testing::HasSubstr;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The registry as userd and the gateway will fill it, registered out of
// order, rendered against a golden file: families by name, series by label
// values, escaping, histogram buckets/_sum/_count, callback gauges.
TEST(MetricsRegistryTest, RendersGoldenExposition) {
  MetricsRegistry registry;
  HistogramFamily& durations = registry.AddHistogram(
      "userd_rpc_duration_seconds", "Time to answer an RPC, in seconds.",
      {"method"}, {0.005, 0.05, 0.5});
  CounterFamily& requests = registry.AddCounter(
      "userd_rpc_requests_total", "RPCs answered, by method and gRPC code.",
      {"method", "code"});
  int in_use = 3;
  registry.AddCallbackGauge("userd_db_pool_in_use",
                            "Database connections running a statement.",
                            [&in_use] { return in_use; });
  GaugeFamily& depth = registry.AddGauge(
      "userd_hash_queue_depth", "Password hashes waiting for a worker.");
  CounterFamily& webhooks = registry.AddCounter(
      "userd_webhook_calls_total",
      "validateUserUpdated webhook calls by outcome.\nSecond \\ line.",
      {"outcome"});

  requests.WithLabels({"UpdateUser", "OK"}).Increment(5);
  requests.WithLabels({"GetUser", "NOT_FOUND"}).Increment();
  requests.WithLabels({"UpdateUser", "ABORTED"}).Increment(2);
  requests.WithLabels({"GetUser", "OK"});  // created, never incremented
  durations.WithLabels({"UpdateUser"}).Observe(0.00390625);
  durations.WithLabels({"UpdateUser"}).Observe(0.0048828125);
  durations.WithLabels({"UpdateUser"}).Observe(0.25);
  durations.WithLabels({"UpdateUser"}).Observe(2);
  durations.WithLabels({"CreateUser"}).Observe(0.0625);
  depth.Get().Set(7);
  depth.Get().Decrement();
  webhooks.WithLabels({"rejected \"bad\"\\ok\nnext"}).Increment();
  in_use = 4;  // read at render time

  std::string golden = ReadFile(USERS_METRICS_TESTDATA "/registry.prom");
  ASSERT_FALSE(golden.empty());
  EXPECT_EQ(registry.Render(), golden);
  // Stable: the same state renders the same text.
  EXPECT_EQ(registry.Render(), registry.Render());
}

TEST(MetricsRegistryTest, EmptyRegistryRendersNothing) {
  MetricsRegistry registry;
  EXPECT_EQ(registry.Render(), "");
}

TEST(MetricsRegistryTest, SameLabelsGiveTheSameCell) {
  MetricsRegistry registry;
  CounterFamily& family = registry.AddCounter("c_total", "h", {"a", "b"});
  Counter& first = family.WithLabels({"x", "y"});
  std::vector<std::string> owned = {"x", "y"};
  std::vector<std::string_view> views = {"x", "y"};
  EXPECT_EQ(&family.WithLabels(owned), &first);
  EXPECT_EQ(&family.WithLabels(views), &first);
  EXPECT_NE(&family.WithLabels({"y", "x"}), &first);
  // Same name, type and labels: the same family.
  EXPECT_EQ(&registry.AddCounter("c_total", "other help", {"a", "b"}), &family);
}

TEST(MetricsRegistryTest, GaugesSetAddAndCallback) {
  MetricsRegistry registry;
  Gauge& gauge = registry.AddGauge("g", "h").Get();
  gauge.Set(2.5);
  gauge.Add(-1);
  gauge.Increment();
  EXPECT_DOUBLE_EQ(gauge.Value(), 2.5);
  std::atomic<int> waiting{0};
  registry.AddCallbackGauge("pool", "h", {"pool"}, {"main"},
                            [&waiting] { return waiting.load(); });
  registry.AddCallbackGauge("pool", "h", {"pool"}, {"health"},
                            [] { return 1; });
  waiting = 9;
  // Series in label-value order, whatever the registration order.
  EXPECT_THAT(registry.Render(), HasSubstr("pool{pool=\"health\"} 1\n"
                                           "pool{pool=\"main\"} 9\n"));
}

// Misuse is a bug in the caller: it dies loudly at start-up.
TEST(MetricsRegistryDeathTest, MisuseDies) {
  const struct {
    const char* what;
    void (*misuse)(MetricsRegistry&);
    const char* message;
  } cases[] = {
      {"bad metric name",
       [](MetricsRegistry& r) { r.AddCounter("bad-name", "h"); },
       "invalid metric name"},
      {"bad label name",
       [](MetricsRegistry& r) { r.AddCounter("c", "h", {"__x"}); },
       "invalid label name"},
      {"duplicate label",
       [](MetricsRegistry& r) {
         r.AddCounter("c", "h", {"a", "a"});
       },
       "twice"},
      {"le in histogram",
       [](MetricsRegistry& r) { r.AddHistogram("h", "h", {"le"}); },
       "reserved"},
      {"other type",
       [](MetricsRegistry& r) {
         r.AddCounter("m", "h");
         r.AddGauge("m", "h");
       },
       "another type"},
      {"other labels",
       [](MetricsRegistry& r) {
         r.AddCounter("m", "h", {"a"});
         r.AddCounter("m", "h", {"b"});
       },
       "other labels"},
      {"other buckets",
       [](MetricsRegistry& r) {
         r.AddHistogram("m", "h", {}, {1, 2});
         r.AddHistogram("m", "h", {}, {1, 3});
       },
       "other buckets"},
      {"unsorted buckets",
       [](MetricsRegistry& r) {
         r.AddHistogram("m", "h", {}, {2, 1});
       },
       "increase strictly"},
      {"infinite bucket",
       [](MetricsRegistry& r) {
         r.AddHistogram("m", "h", {}, {1, 1.0 / 0.0});
       },
       "finite"},
      {"label count",
       [](MetricsRegistry& r) {
         r.AddCounter("m", "h", {"a", "b"}).WithLabels({"only one"});
       },
       "has 2 labels, got 1"},
      {"callback twice",
       [](MetricsRegistry& r) {
         r.AddCallbackGauge("m", "h", [] { return 1.0; });
         r.AddCallbackGauge("m", "h", [] { return 2.0; });
       },
       "has a gauge already"},
  };
  for (const auto& c : cases) {
    EXPECT_DEATH(
        {
          MetricsRegistry registry;
          c.misuse(registry);
        },
        c.message)
        << c.what;
  }
}

// Many threads incrementing shared and per-thread counters, observing into a
// histogram and creating label sets while another thread renders: no update
// is lost and every rendering is well formed.
TEST(MetricsRegistryTest, ConcurrentUpdatesAreNotLost) {
  constexpr int kThreads = 8;
  constexpr int kIterations = 20000;
  MetricsRegistry registry;
  CounterFamily& requests =
      registry.AddCounter("requests_total", "h", {"method", "code"});
  HistogramFamily& durations =
      registry.AddHistogram("duration_seconds", "h", {"method"}, {0.5, 1.5});
  Counter& shared = requests.WithLabels({"Shared", "OK"});

  std::atomic<bool> done{false};
  std::atomic<int> renders{0};
  std::thread renderer([&] {
    while (!done.load()) {
      std::string text = registry.Render();
      if (text.find("# TYPE requests_total counter") == std::string::npos ||
          text.back() != '\n') {
        ADD_FAILURE() << "malformed exposition:\n" << text;
        return;
      }
      renders.fetch_add(1);
    }
  });
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::string method = "Method" + std::to_string(t);
      for (int i = 0; i < kIterations; ++i) {
        shared.Increment();
        // Uncached lookup on every call, as a careless caller would do.
        requests.WithLabels({method, i % 2 == 0 ? "OK" : "ABORTED"})
            .Increment();
        durations.WithLabels({"Shared"}).Observe(i % 2 == 0 ? 1.0 : 2.0);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  done = true;
  renderer.join();

  EXPECT_EQ(shared.Value(), uint64_t{kThreads} * kIterations);
  for (int t = 0; t < kThreads; ++t) {
    std::string method = "Method" + std::to_string(t);
    EXPECT_EQ(requests.WithLabels({method, "OK"}).Value(), kIterations / 2);
    EXPECT_EQ(requests.WithLabels({method, "ABORTED"}).Value(),
              kIterations / 2);
  }
  Histogram::Snapshot snapshot = durations.WithLabels({"Shared"}).Read();
  const uint64_t total = uint64_t{kThreads} * kIterations;
  EXPECT_EQ(snapshot.cumulative, (std::vector<uint64_t>{0, total / 2, total}));
  EXPECT_DOUBLE_EQ(snapshot.sum, 1.5 * total);
  EXPECT_GT(renders.load(), 0);
}

}  // namespace
}  // namespace users::metrics
