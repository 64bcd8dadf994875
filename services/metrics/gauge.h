#ifndef USERS_SERVICES_METRICS_GAUGE_H_
#define USERS_SERVICES_METRICS_GAUGE_H_

#include <atomic>
#include <functional>
#include <utility>

namespace users::metrics {

// One time series that goes up and down (a Prometheus gauge with a fixed label
// set). Either stored (Set/Add, lock-free) or read through a callback at
// every scrape (MetricsRegistry::AddCallbackGauge), e.g. a pool's in-use
// count that the pool already keeps. Set/Add on a callback gauge are ignored.
class Gauge final {
 public:
  Gauge() = default;
  explicit Gauge(std::function<double()> read) : read_(std::move(read)) {}
  Gauge(const Gauge&) = delete;
  Gauge& operator=(const Gauge&) = delete;

  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Add(double delta) {
    double current = value_.load(std::memory_order_relaxed);
    while (!value_.compare_exchange_weak(current, current + delta,
                                         std::memory_order_relaxed)) {
    }
  }
  void Increment() { Add(1); }
  void Decrement() { Add(-1); }

  // The stored value, or what the callback returns now.
  double Value() const {
    return read_ ? read_() : value_.load(std::memory_order_relaxed);
  }

 private:
  std::atomic<double> value_{0};
  // Set once at construction, never changed: safe to call from any thread.
  const std::function<double()> read_;
};

}  // namespace users::metrics

#endif  // USERS_SERVICES_METRICS_GAUGE_H_
