#ifndef USERS_SERVICES_METRICS_METRICS_REGISTRY_H_
#define USERS_SERVICES_METRICS_METRICS_REGISTRY_H_

// A small Prometheus client: everything of it lives in services/metrics/.
//
// Debian 12 packages no Prometheus client library for C++ (prometheus-cpp
// is not in bookworm), so this directory holds one, written for what userd
// and user-gateway need and nothing more:
//
//   counter.h, gauge.h, histogram.h  the time series cells (atomics)
//   metric_family.h                  label values -> cell, per metric name
//   metrics_registry.h               this file: named families, Render()
//   text_exposition.h                the text format 0.0.4 writer
//   admin_http_server.h              GET /metrics, /healthz, /readyz
//
// Usage:
//
//   MetricsRegistry registry;
//   CounterFamily& requests = registry.AddCounter(
//       "userd_rpc_requests_total", "RPCs handled.", {"method", "code"});
//   Counter& ok = requests.WithLabels({"UpdateUser", "OK"});  // keep it
//   ok.Increment();                                           // atomic add
//   registry.AddCallbackGauge("userd_db_pool_in_use", "...",
//                             [&server] { return server.DbInUse(); });
//   std::string text = registry.Render();
//
// Everything is thread-safe. Registration is meant for start-up; misuse
// (an invalid name, the same name with another type or other labels, a label
// count that does not match) aborts with a message, since it is a bug in the
// caller and not a runtime condition.

#include <functional>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <variant>
#include <vector>

#include "services/metrics/metric_family.h"

namespace users::metrics {

class MetricsRegistry final {
 public:
  MetricsRegistry() = default;
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // The family named `name`, created on first call. Calling again with the
  // same name, type and label names returns the same family (help of the
  // first call wins); anything else dies. Counter names should end in
  // "_total".
  CounterFamily& AddCounter(const std::string& name, const std::string& help,
                            const std::vector<std::string>& label_names = {});
  GaugeFamily& AddGauge(const std::string& name, const std::string& help,
                        const std::vector<std::string>& label_names = {});
  // `bounds`: strictly increasing finite upper bounds (+Inf is implicit);
  // empty means DefaultDurationBuckets(). "le" is not allowed as a label.
  HistogramFamily& AddHistogram(const std::string& name,
                                const std::string& help,
                                const std::vector<std::string>& label_names,
                                std::vector<double> bounds = {});

  // A gauge whose value is `read()` at every Render, e.g. a pool's in-use
  // count. `read` runs on the rendering thread under the family's lock: it
  // must be cheap, thread-safe, must not call back into the registry, and
  // must stay callable as long as anything may Render (stop the admin
  // server before destroying what it reads). The labelled form adds one
  // series to a gauge family with `label_names`; a label set registered
  // twice dies.
  void AddCallbackGauge(const std::string& name, const std::string& help,
                        std::function<double()> read);
  void AddCallbackGauge(const std::string& name, const std::string& help,
                        const std::vector<std::string>& label_names,
                        const std::vector<std::string>& label_values,
                        std::function<double()> read);

  // The whole registry in the Prometheus text format 0.0.4: families sorted
  // by name, series by label values, so equal states render equal text.
  std::string Render() const;

 private:
  using Family =
      std::variant<std::unique_ptr<CounterFamily>, std::unique_ptr<GaugeFamily>,
                   std::unique_ptr<HistogramFamily>>;

  // Validates names; returns the existing family of `name` (nullptr if none)
  // after checking that its type and labels match.
  template <typename F>
  F* Find(const std::string& name, const std::vector<std::string>& label_names,
          bool histogram) const;

  mutable std::shared_mutex mutex_;
  std::map<std::string, Family> families_;
  std::map<std::string, std::vector<double>> histogram_bounds_;
};

}  // namespace users::metrics

#endif  // USERS_SERVICES_METRICS_METRICS_REGISTRY_H_
