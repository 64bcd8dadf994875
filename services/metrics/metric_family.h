#ifndef USERS_SERVICES_METRICS_METRIC_FAMILY_H_
#define USERS_SERVICES_METRICS_METRIC_FAMILY_H_

#include <algorithm>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/metrics/counter.h"
#include "services/metrics/gauge.h"
#include "services/metrics/histogram.h"

namespace users::metrics {

// Prints "metrics: <message>" to stderr and aborts. Misuse of the registry
// (a bad name, a label count that does not match) is a programming error
// found at start-up or in tests, never a consequence of request data.
[[noreturn]] void DieOnMisuse(const std::string& message);

// All time series of one metric name: one Cell (Counter, Gauge, Histogram)
// per distinct tuple of label values, in the order of label_names(). Cells
// are created on first use and live as long as the family (i.e. the
// registry), so callers may keep the returned references.
//
// WithLabels on an existing label set takes a shared lock and does a map
// lookup without allocating; a new label set takes the exclusive lock once.
// Label values must come from small fixed sets (method names, status codes,
// route patterns), never from raw request data: every distinct tuple is a
// time series kept forever.
template <typename Cell>
class MetricFamily final {
 public:
  using CellFactory = std::function<std::unique_ptr<Cell>()>;

  MetricFamily(std::string name, std::string help,
               std::vector<std::string> label_names, CellFactory make_cell)
      : name_(std::move(name)),
        help_(std::move(help)),
        label_names_(std::move(label_names)),
        make_cell_(std::move(make_cell)) {}
  MetricFamily(const MetricFamily&) = delete;
  MetricFamily& operator=(const MetricFamily&) = delete;

  // The cell of these label values (as many as label_names(); dies
  // otherwise), created if needed.
  Cell& WithLabels(std::initializer_list<std::string_view> values) {
    return Lookup(Values{values.begin(), values.size()});
  }
  Cell& WithLabels(const std::vector<std::string_view>& values) {
    return Lookup(Values{values.data(), values.size()});
  }
  Cell& WithLabels(const std::vector<std::string>& values) {
    std::vector<std::string_view> views(values.begin(), values.end());
    return WithLabels(views);
  }
  // The cell of a family without labels.
  Cell& Get() { return Lookup(Values{nullptr, 0}); }

  // Adds `cell` under `values`; false (and `cell` is dropped) if that label
  // set exists already.
  bool Insert(const std::vector<std::string>& values,
              std::unique_ptr<Cell> cell) {
    CheckArity(values.size());
    std::unique_lock<std::shared_mutex> lock(mutex_);
    return cells_.emplace(values, std::move(cell)).second;
  }

  // Calls visit(label_values, cell) for every cell in label-value order,
  // under the shared lock (visit must not call back into the family).
  void ForEach(const std::function<void(const std::vector<std::string>&,
                                        const Cell&)>& visit) const {
    std::shared_lock<std::shared_mutex> lock(mutex_);
    for (const auto& [values, cell] : cells_) visit(values, *cell);
  }

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& label_names() const { return label_names_; }

 private:
  // A borrowed tuple of label values, compared with stored keys without
  // copying them.
  struct Values {
    const std::string_view* data;
    size_t size;
  };
  struct KeyLess {
    using is_transparent = void;
    static bool ViewLess(std::string_view x, std::string_view y) {
      return x < y;
    }
    bool operator()(const std::vector<std::string>& a,
                    const std::vector<std::string>& b) const {
      return a < b;
    }
    bool operator()(const std::vector<std::string>& a, const Values& b) const {
      return std::lexicographical_compare(a.begin(), a.end(), b.data,
                                          b.data + b.size, ViewLess);
    }
    bool operator()(const Values& a, const std::vector<std::string>& b) const {
      return std::lexicographical_compare(a.data, a.data + a.size, b.begin(),
                                          b.end(), ViewLess);
    }
  };

  void CheckArity(size_t count) const {
    if (count != label_names_.size()) {
      DieOnMisuse(absl::StrCat(name_, " has ", label_names_.size(),
                               " labels, got ", count, " values"));
    }
  }

  Cell& Lookup(Values values) {
    CheckArity(values.size);
    {
      std::shared_lock<std::shared_mutex> lock(mutex_);
      auto it = cells_.find(values);
      if (it != cells_.end()) return *it->second;
    }
    std::unique_lock<std::shared_mutex> lock(mutex_);
    auto it = cells_.find(values);
    if (it == cells_.end()) {
      it = cells_
               .emplace(std::vector<std::string>(values.data,
                                                 values.data + values.size),
                        make_cell_())
               .first;
    }
    return *it->second;
  }

  const std::string name_;
  const std::string help_;
  const std::vector<std::string> label_names_;
  const CellFactory make_cell_;
  mutable std::shared_mutex mutex_;
  std::map<std::vector<std::string>, std::unique_ptr<Cell>, KeyLess> cells_;
};

using CounterFamily = MetricFamily<Counter>;
using GaugeFamily = MetricFamily<Gauge>;
using HistogramFamily = MetricFamily<Histogram>;

}  // namespace users::metrics

#endif  // USERS_SERVICES_METRICS_METRIC_FAMILY_H_
