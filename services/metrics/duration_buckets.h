#ifndef USERS_SERVICES_METRICS_DURATION_BUCKETS_H_
#define USERS_SERVICES_METRICS_DURATION_BUCKETS_H_

#include "prometheus/histogram.h"

namespace users::metrics {

// Latency buckets in seconds, 0.5 ms .. 10 s: a primary-key read is well
// under a millisecond, an UPDATE a few, an Argon2id hash 40-70 ms. (The
// client libraries' default, 5 ms .. 10 s, would put every read in the
// first bucket.)
inline prometheus::Histogram::BucketBoundaries DurationBuckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
          0.1,    0.25,  0.5,    1,     2.5,  5,     10};
}

}  // namespace users::metrics

#endif  // USERS_SERVICES_METRICS_DURATION_BUCKETS_H_
