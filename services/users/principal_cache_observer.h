#ifndef USERS_SERVICES_USERS_PRINCIPAL_CACHE_OBSERVER_H_
#define USERS_SERVICES_USERS_PRINCIPAL_CACHE_OBSERVER_H_

#include "storage/principal_changes.h"

namespace users {

// Observes a PrincipalCache (for metrics). Optional. Called on whatever
// thread uses the cache, concurrently and outside the cache's lock: an
// implementation is thread-safe and cheap (OnHit and OnMiss run once per
// authenticated call).
class PrincipalCacheObserver {
 public:
  virtual ~PrincipalCacheObserver() = default;
  // A Lookup found the token: no database read for it.
  virtual void OnHit() = 0;
  // A fill began (BeginFill): the token is read from the database. A call
  // whose token is not cached looks it up more than once, but reads it once.
  virtual void OnMiss() = 0;
  // An Insert kept nothing because an eviction, flush or change of listening
  // state came between its BeginFill and it.
  virtual void OnStaleFill() = 0;
  // An announced change was applied (Apply).
  virtual void OnChange(PrincipalChange::Kind kind) = 0;
  // SetListening(listening).
  virtual void OnListening(bool listening) = 0;
};

}  // namespace users

#endif  // USERS_SERVICES_USERS_PRINCIPAL_CACHE_OBSERVER_H_
