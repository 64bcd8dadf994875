#ifndef USERS_SERVICES_METRICS_COUNTER_H_
#define USERS_SERVICES_METRICS_COUNTER_H_

#include <atomic>
#include <cstdint>

namespace users::metrics {

// One monotonically increasing time series (a Prometheus counter with a fixed
// label set). Obtained from CounterFamily::WithLabels and owned by the
// registry: the reference stays valid for the registry's lifetime, so hot
// paths look it up once and keep it. Increment is one relaxed atomic add.
class Counter final {
 public:
  Counter() = default;
  Counter(const Counter&) = delete;
  Counter& operator=(const Counter&) = delete;

  void Increment(uint64_t by = 1) {
    value_.fetch_add(by, std::memory_order_relaxed);
  }
  uint64_t Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

}  // namespace users::metrics

#endif  // USERS_SERVICES_METRICS_COUNTER_H_
