#ifndef USERS_SERVICES_USERS_THREAD_PRIORITY_H_
#define USERS_SERVICES_USERS_THREAD_PRIORITY_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace users {

// How a background thread (password hashing) competes for the CPU with the
// rest of the process and the machine. Linux schedules threads individually,
// so this applies to the calling thread only, and lowering needs no
// privilege.
enum class ThreadPriority {
  kNormal,  // unchanged
  kLow,     // nice 19: a small share of the CPU under contention
  kIdle,    // SCHED_IDLE: runs only when no normal thread wants the CPU, and
            // is preempted at once when one wakes up
};

// "normal", "low", "idle"; InvalidArgument otherwise.
absl::StatusOr<ThreadPriority> ParseThreadPriority(absl::string_view text);

// Applies `priority` to the calling thread. Internal with errno's text when
// the kernel refuses.
absl::Status SetCurrentThreadPriority(ThreadPriority priority);

// The calling thread's nice value and scheduling policy (SCHED_OTHER,
// SCHED_IDLE, ...), for tests and logs.
int CurrentThreadNice();
int CurrentThreadPolicy();

}  // namespace users

#endif  // USERS_SERVICES_USERS_THREAD_PRIORITY_H_
