#include "services/metrics/metrics_registry.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/metrics/text_exposition.h"

namespace users::metrics {

void DieOnMisuse(const std::string& message) {
  std::fprintf(stderr, "metrics: %s\n", message.c_str());
  std::fflush(stderr);
  std::abort();
}

namespace {

void CheckNames(const std::string& name,
                const std::vector<std::string>& label_names, bool histogram) {
  if (!IsValidMetricName(name)) {
    DieOnMisuse(absl::StrCat("invalid metric name \"", name, "\""));
  }
  for (size_t i = 0; i < label_names.size(); ++i) {
    const std::string& label = label_names[i];
    if (!IsValidLabelName(label)) {
      DieOnMisuse(absl::StrCat(name, ": invalid label name \"", label, "\""));
    }
    if (histogram && label == "le") {
      DieOnMisuse(absl::StrCat(name, ": \"le\" is reserved in histograms"));
    }
    for (size_t j = 0; j < i; ++j) {
      if (label_names[j] == label) {
        DieOnMisuse(absl::StrCat(name, ": label \"", label, "\" twice"));
      }
    }
  }
}

void CheckBounds(const std::string& name, const std::vector<double>& bounds) {
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i])) {
      DieOnMisuse(absl::StrCat(name, ": bucket bounds must be finite"));
    }
    if (i > 0 && !(bounds[i - 1] < bounds[i])) {
      DieOnMisuse(absl::StrCat(name, ": bucket bounds must increase strictly"));
    }
  }
}

void Render(const CounterFamily& family, TextExpositionWriter& out) {
  out.WriteHeader(family.name(), family.help(), "counter");
  family.ForEach(
      [&](const std::vector<std::string>& values, const Counter& counter) {
        out.WriteSample(family.name(), family.label_names(), values, "", "",
                        counter.Value());
      });
}

void Render(const GaugeFamily& family, TextExpositionWriter& out) {
  out.WriteHeader(family.name(), family.help(), "gauge");
  family.ForEach(
      [&](const std::vector<std::string>& values, const Gauge& gauge) {
        out.WriteSample(family.name(), family.label_names(), values, "", "",
                        gauge.Value());
      });
}

void Render(const HistogramFamily& family, TextExpositionWriter& out) {
  out.WriteHeader(family.name(), family.help(), "histogram");
  const std::string bucket = family.name() + "_bucket";
  const std::string sum = family.name() + "_sum";
  const std::string count = family.name() + "_count";
  family.ForEach([&](const std::vector<std::string>& values,
                     const Histogram& histogram) {
    Histogram::Snapshot snapshot = histogram.Read();
    const std::vector<double>& bounds = histogram.bounds();
    for (size_t i = 0; i < bounds.size(); ++i) {
      out.WriteSample(bucket, family.label_names(), values, "le",
                      FormatValue(bounds[i]), snapshot.cumulative[i]);
    }
    out.WriteSample(bucket, family.label_names(), values, "le", "+Inf",
                    snapshot.count());
    out.WriteSample(sum, family.label_names(), values, "", "", snapshot.sum);
    out.WriteSample(count, family.label_names(), values, "", "",
                    snapshot.count());
  });
}

}  // namespace

template <typename F>
F* MetricsRegistry::Find(const std::string& name,
                         const std::vector<std::string>& label_names,
                         bool histogram) const {
  CheckNames(name, label_names, histogram);
  auto it = families_.find(name);
  if (it == families_.end()) return nullptr;
  const auto* existing = std::get_if<std::unique_ptr<F>>(&it->second);
  if (existing == nullptr) {
    DieOnMisuse(absl::StrCat(name, " is registered already with another type"));
  }
  if ((*existing)->label_names() != label_names) {
    DieOnMisuse(absl::StrCat(name, " is registered already with other labels"));
  }
  return existing->get();
}

CounterFamily& MetricsRegistry::AddCounter(
    const std::string& name, const std::string& help,
    const std::vector<std::string>& label_names) {
  std::unique_lock<std::shared_mutex> lock(mutex_);
  if (auto* family = Find<CounterFamily>(name, label_names, false)) {
    return *family;
  }
  auto family = std::make_unique<CounterFamily>(
      name, help, label_names, [] { return std::make_unique<Counter>(); });
  CounterFamily& result = *family;
  families_.emplace(name, std::move(family));
  return result;
}

GaugeFamily& MetricsRegistry::AddGauge(
    const std::string& name, const std::string& help,
    const std::vector<std::string>& label_names) {
  std::unique_lock<std::shared_mutex> lock(mutex_);
  if (auto* family = Find<GaugeFamily>(name, label_names, false)) {
    return *family;
  }
  auto family = std::make_unique<GaugeFamily>(
      name, help, label_names, [] { return std::make_unique<Gauge>(); });
  GaugeFamily& result = *family;
  families_.emplace(name, std::move(family));
  return result;
}

HistogramFamily& MetricsRegistry::AddHistogram(
    const std::string& name, const std::string& help,
    const std::vector<std::string>& label_names, std::vector<double> bounds) {
  if (bounds.empty()) bounds = DefaultDurationBuckets();
  CheckBounds(name, bounds);
  std::unique_lock<std::shared_mutex> lock(mutex_);
  if (auto* family = Find<HistogramFamily>(name, label_names, true)) {
    if (histogram_bounds_.at(name) != bounds) {
      DieOnMisuse(
          absl::StrCat(name, " is registered already with other buckets"));
    }
    return *family;
  }
  histogram_bounds_.emplace(name, bounds);
  auto shared_bounds =
      std::make_shared<const std::vector<double>>(std::move(bounds));
  auto family = std::make_unique<HistogramFamily>(
      name, help, label_names,
      [shared_bounds] { return std::make_unique<Histogram>(shared_bounds); });
  HistogramFamily& result = *family;
  families_.emplace(name, std::move(family));
  return result;
}

void MetricsRegistry::AddCallbackGauge(const std::string& name,
                                       const std::string& help,
                                       std::function<double()> read) {
  AddCallbackGauge(name, help, {}, {}, std::move(read));
}

void MetricsRegistry::AddCallbackGauge(
    const std::string& name, const std::string& help,
    const std::vector<std::string>& label_names,
    const std::vector<std::string>& label_values,
    std::function<double()> read) {
  if (!read) DieOnMisuse(absl::StrCat(name, ": empty gauge callback"));
  GaugeFamily& family = AddGauge(name, help, label_names);
  if (!family.Insert(label_values, std::make_unique<Gauge>(std::move(read)))) {
    DieOnMisuse(absl::StrCat(name, ": this label set has a gauge already"));
  }
}

std::string MetricsRegistry::Render() const {
  TextExpositionWriter out;
  std::shared_lock<std::shared_mutex> lock(mutex_);
  for (const auto& [name, family] : families_) {
    std::visit([&out](const auto& f) { metrics::Render(*f, out); }, family);
  }
  return out.Take();
}

}  // namespace users::metrics
