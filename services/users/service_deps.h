#ifndef USERS_SERVICES_USERS_SERVICE_DEPS_H_
#define USERS_SERVICES_USERS_SERVICE_DEPS_H_

#include <cstdint>

#include "services/common/trusted_proxies.h"
#include "services/users/bounded_executor.h"
#include "services/users/login_throttle.h"
#include "services/users/password_hasher.h"
#include "services/users/principal_cache.h"
#include "services/users/webhook_client.h"
#include "services/users/webhook_destinations.h"
#include "storage/store_pool.h"

namespace users {

// What the service logic runs on. Not owned; all outlive the logic objects.
struct ServiceDeps {
  StorePool* pool = nullptr;
  PasswordHasher* hasher = nullptr;
  // Where hashing runs: at most one job per core, bounded queue.
  BoundedExecutor* hashing = nullptr;
  // Optional: without it, project webhooks are not called.
  WebhookClient* webhooks = nullptr;
  // Which webhook URIs a project may configure. Optional: without it, https
  // to public addresses only.
  const WebhookDestinations* webhook_destinations = nullptr;
  int64_t session_ttl_seconds = int64_t{7} * 24 * 3600;
  // Whose x-forwarded-for names the client (login throttling). Optional:
  // without it, the peer is the client.
  const TrustedProxies* trusted_proxies = nullptr;
  LoginThrottlePolicy login_throttle;
  // A login beyond this many sessions of a user ends the oldest.
  int max_sessions_per_user = 100;
  // Optional: without it, every call reads its token from the database.
  // Writes that revoke tokens evict them here at once, so this replica never
  // serves a token it has just revoked; other replicas learn of it from the
  // database's announcements.
  PrincipalCache* principal_cache = nullptr;
};

}  // namespace users

#endif  // USERS_SERVICES_USERS_SERVICE_DEPS_H_
