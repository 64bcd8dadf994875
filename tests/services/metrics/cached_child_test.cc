#include "services/metrics/cached_child.h"

#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/registry.h"

namespace users::metrics {
namespace {

TEST(CachedChildTest, ResolvesOnceAndKeepsTheFamilysChild) {
  prometheus::Registry registry;
  auto& family =
      prometheus::BuildCounter().Name("c_total").Help("h").Register(registry);
  CachedChild<prometheus::Counter> cached;
  int adds = 0;
  auto add = [&]() -> prometheus::Counter& {
    ++adds;
    return family.Add({{"code", "OK"}});
  };
  prometheus::Counter& first = cached.Get(add);
  prometheus::Counter& second = cached.Get(add);
  EXPECT_EQ(adds, 1);
  EXPECT_EQ(&first, &second);
  EXPECT_EQ(&first, &family.Add({{"code", "OK"}}));
}

// Threads racing for an empty cache may each call Family::Add, which hands
// them all the same child: no increment is lost, one series exists.
TEST(CachedChildTest, ConcurrentFirstUseCountsIntoOneSeries) {
  constexpr int kThreads = 8;
  constexpr int kIterations = 20000;
  prometheus::Registry registry;
  auto& family =
      prometheus::BuildCounter().Name("c_total").Help("h").Register(registry);
  CachedChild<prometheus::Counter> cached;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIterations; ++i) {
        cached
            .Get([&]() -> prometheus::Counter& {
              return family.Add({{"code", "OK"}});
            })
            .Increment();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::vector<prometheus::MetricFamily> collected = family.Collect();
  ASSERT_EQ(collected.size(), 1u);
  ASSERT_EQ(collected[0].metric.size(), 1u);
  EXPECT_EQ(collected[0].metric[0].counter.value,
            double{kThreads} * kIterations);
}

}  // namespace
}  // namespace users::metrics
