#include "services/metrics/callback_gauges.h"

#include <stdexcept>
#include <utility>

#include "prometheus/check_names.h"
#include "prometheus/client_metric.h"

namespace users::metrics {

void CallbackGauges::Add(const std::string& name, const std::string& help,
                         std::function<double()> read) {
  if (!prometheus::CheckMetricName(name)) {
    throw std::invalid_argument("invalid metric name: " + name);
  }
  std::lock_guard<std::mutex> lock(mutex_);
  for (const Entry& entry : entries_) {
    if (entry.name == name) {
      throw std::invalid_argument("gauge added twice: " + name);
    }
  }
  entries_.push_back(Entry{name, help, std::move(read)});
}

std::vector<prometheus::MetricFamily> CallbackGauges::Collect() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<prometheus::MetricFamily> families;
  families.reserve(entries_.size());
  for (const Entry& entry : entries_) {
    prometheus::ClientMetric metric;
    metric.gauge.value = entry.read();
    families.push_back(prometheus::MetricFamily{
        entry.name, entry.help, prometheus::MetricType::Gauge, {metric}});
  }
  return families;
}

}  // namespace users::metrics
