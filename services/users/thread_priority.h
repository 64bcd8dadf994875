#ifndef USERS_SERVICES_USERS_THREAD_PRIORITY_H_
#define USERS_SERVICES_USERS_THREAD_PRIORITY_H_

#include "absl/status/status.h"

namespace users {

// Raises the calling thread's nice value by `increment` (Linux: nice is per
// thread), so that under CPU contention the scheduler prefers the process's
// other threads and other processes at normal priority. Used for password
// hashing: a burst of Argon2 work then cannot take the CPU from requests
// that only wait on the database. Needs no privilege; the result is capped
// at 19. Internal with errno's text when the kernel refuses.
absl::Status LowerCurrentThreadPriority(int increment);

// The calling thread's nice value.
int CurrentThreadNice();

}  // namespace users

#endif  // USERS_SERVICES_USERS_THREAD_PRIORITY_H_
