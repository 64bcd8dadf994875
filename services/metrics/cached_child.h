#ifndef USERS_SERVICES_METRICS_CACHED_CHILD_H_
#define USERS_SERVICES_METRICS_CACHED_CHILD_H_

#include <atomic>

namespace users::metrics {

// One label child of a prometheus::Family (a Counter, a Histogram), resolved
// on first use and kept. prometheus::Family::Add takes the family's mutex and
// looks the labels up in a hash map of std::map keys: too dear for every
// request. Hot paths keep a CachedChild per label set they can record (per
// method and code, per route and status) and pay one atomic load instead.
//
//   CachedChild<prometheus::Counter> ok;
//   ok.Get([&]() -> auto& { return family.Add({{"code", "OK"}}); })
//       .Increment();
//
// Thread-safe: two threads that both find it empty both call `add`, which
// returns the same child (Family::Add does for equal labels), so either
// store is right. Children live as long as their family (their registry).
template <typename T>
class CachedChild final {
 public:
  CachedChild() = default;
  CachedChild(const CachedChild&) = delete;
  CachedChild& operator=(const CachedChild&) = delete;

  // The child; `add()` (returning T&) is called only while none is cached.
  template <typename Add>
  T& Get(Add&& add) {
    T* child = child_.load(std::memory_order_acquire);
    if (child == nullptr) {
      child = &add();
      child_.store(child, std::memory_order_release);
    }
    return *child;
  }

 private:
  std::atomic<T*> child_{nullptr};
};

}  // namespace users::metrics

#endif  // USERS_SERVICES_METRICS_CACHED_CHILD_H_
