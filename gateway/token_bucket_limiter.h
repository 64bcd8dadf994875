#ifndef USERS_GATEWAY_TOKEN_BUCKET_LIMITER_H_
#define USERS_GATEWAY_TOKEN_BUCKET_LIMITER_H_

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace users::gateway {

// One token bucket per key (a client address, a credential): `rate` tokens a
// second up to `burst`. Thread-safe. Keys are forgotten once their bucket is
// full again and the table is large, so memory stays bounded.
class TokenBucketLimiter final {
 public:
  using Clock = std::chrono::steady_clock;

  // rate 0 turns the limiter off; burst 0 means `rate`.
  TokenBucketLimiter(int64_t rate, int64_t burst);

  bool enabled() const { return rate_ > 0; }

  // Takes one token from `key`'s bucket. Returns 0 when one was there, else
  // the whole seconds (at least 1) until one will be (for Retry-After).
  int Acquire(std::string_view key, Clock::time_point now);

 private:
  struct Bucket {
    double tokens;
    Clock::time_point updated;
  };
  static constexpr size_t kMaxKeys = 100000;
  void EvictFull(Clock::time_point now);

  double rate_;
  double burst_;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace users::gateway

#endif  // USERS_GATEWAY_TOKEN_BUCKET_LIMITER_H_
