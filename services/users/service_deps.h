#ifndef USERS_SERVICES_USERS_SERVICE_DEPS_H_
#define USERS_SERVICES_USERS_SERVICE_DEPS_H_

#include <cstdint>

#include "services/users/bounded_executor.h"
#include "services/users/password_hasher.h"
#include "services/users/webhook_client.h"
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
  int64_t session_ttl_seconds = 7 * 24 * 3600;
};

}  // namespace users

#endif  // USERS_SERVICES_USERS_SERVICE_DEPS_H_
