#ifndef USERS_SERVICES_METRICS_CALLBACK_GAUGES_H_
#define USERS_SERVICES_METRICS_CALLBACK_GAUGES_H_

#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"

namespace users::metrics {

// Gauges without labels whose value is read at every collection, e.g. a
// pool's in-use count that the pool keeps already: nothing to update on the
// hot path. prometheus-cpp's Gauge is only ever set, so this is a
// prometheus::Collectable of its own, rendered next to the registry.
class CallbackGauges final : public prometheus::Collectable {
 public:
  CallbackGauges() = default;
  CallbackGauges(const CallbackGauges&) = delete;
  CallbackGauges& operator=(const CallbackGauges&) = delete;

  // Adds the gauge `name` (a valid metric name, not added before: throws
  // std::invalid_argument otherwise). `read` runs on the collecting thread
  // under this object's lock: it must be cheap, thread-safe, and callable
  // for as long as anything may collect (stop the admin listener before
  // destroying what it reads).
  void Add(const std::string& name, const std::string& help,
           std::function<double()> read);

  // One gauge family per Add, in the order added.
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  struct Entry {
    std::string name;
    std::string help;
    std::function<double()> read;
  };
  mutable std::mutex mutex_;
  std::vector<Entry> entries_;
};

}  // namespace users::metrics

#endif  // USERS_SERVICES_METRICS_CALLBACK_GAUGES_H_
