#ifndef USERS_STORAGE_STORES_H_
#define USERS_STORAGE_STORES_H_

#include "storage/credential_store.h"
#include "storage/maintenance_store.h"
#include "storage/project_store.h"
#include "storage/session_store.h"
#include "storage/user_store.h"

namespace users {

// The stores of one database connection, one per area, as a StorePool worker
// hands them to work. One aggregate rather than one pool per area: a call
// reads a token, then writes a user or a session, on the same connection;
// each function below the pool takes only the area it uses. Not owned; not
// thread-safe (the worker's connection).
struct Stores {
  ProjectStore& projects;
  CredentialStore& credentials;
  UserStore& users;
  SessionStore& sessions;
  MaintenanceStore& maintenance;
};

}  // namespace users

#endif  // USERS_STORAGE_STORES_H_
