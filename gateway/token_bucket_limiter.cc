#include "gateway/token_bucket_limiter.h"

#include <algorithm>
#include <cmath>

namespace users::gateway {

TokenBucketLimiter::TokenBucketLimiter(int64_t rate, int64_t burst)
    : rate_(static_cast<double>(std::max<int64_t>(rate, 0))),
      burst_(static_cast<double>(burst > 0 ? burst
                                           : std::max<int64_t>(rate, 0))) {}

int TokenBucketLimiter::Acquire(std::string_view key, Clock::time_point now) {
  if (!enabled()) return 0;
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = buckets_.find(std::string(key));
  if (it == buckets_.end()) {
    if (buckets_.size() >= kMaxKeys) EvictFull(now);
    it = buckets_.emplace(std::string(key), Bucket{burst_, now}).first;
  }
  Bucket& bucket = it->second;
  double elapsed = std::chrono::duration<double>(now - bucket.updated).count();
  if (elapsed > 0) {
    bucket.tokens = std::min(burst_, bucket.tokens + elapsed * rate_);
    bucket.updated = now;
  }
  if (bucket.tokens >= 1.0) {
    bucket.tokens -= 1.0;
    return 0;
  }
  double wait = (1.0 - bucket.tokens) / rate_;
  return std::max(1, static_cast<int>(std::ceil(wait)));
}

void TokenBucketLimiter::EvictFull(Clock::time_point now) {
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    double elapsed =
        std::chrono::duration<double>(now - it->second.updated).count();
    if (it->second.tokens + elapsed * rate_ >= burst_) {
      it = buckets_.erase(it);
    } else {
      ++it;
    }
  }
  if (buckets_.size() >= kMaxKeys) buckets_.clear();
}

}  // namespace users::gateway
