#ifndef USERS_SERVICES_METRICS_HISTOGRAM_H_
#define USERS_SERVICES_METRICS_HISTOGRAM_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

namespace users::metrics {

// One histogram time series with fixed bucket upper bounds (Prometheus
// semantics: a value v lands in every bucket with v <= le, and always in
// +Inf). Observe costs a binary search over the bounds and three relaxed
// atomic updates; no lock. Owned by the registry like Counter.
class Histogram final {
 public:
  // `bounds`: strictly increasing, finite (checked by the registry).
  explicit Histogram(std::shared_ptr<const std::vector<double>> bounds);
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  void Observe(double value);

  // A consistent-enough copy for rendering: cumulative counts per bound plus
  // the +Inf count last (so cumulative.back() == count), and the sum.
  struct Snapshot {
    std::vector<uint64_t> cumulative;
    double sum = 0;
    uint64_t count() const {
      return cumulative.empty() ? 0 : cumulative.back();
    }
  };
  Snapshot Read() const;

  const std::vector<double>& bounds() const { return *bounds_; }

 private:
  std::shared_ptr<const std::vector<double>> bounds_;
  // Non-cumulative: counts_[i] for bounds[i], counts_[bounds.size()] for
  // values above every bound (or NaN).
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;
  std::atomic<double> sum_{0};
};

// Latency buckets in seconds, 0.5 ms .. 10 s: a primary-key read is well under
// a millisecond, an UPDATE a few, an Argon2id hash 40-70 ms.
std::vector<double> DefaultDurationBuckets();

}  // namespace users::metrics

#endif  // USERS_SERVICES_METRICS_HISTOGRAM_H_
