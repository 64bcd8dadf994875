#include "services/users/thread_priority.h"

#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace users {
namespace {

constexpr int kLowestNice = 19;

pid_t CurrentThreadId() { return static_cast<pid_t>(syscall(SYS_gettid)); }

absl::Status ErrnoError(const char* call) {
  return absl::InternalError(absl::StrCat(call, ": ", std::strerror(errno)));
}

}  // namespace

absl::StatusOr<ThreadPriority> ParseThreadPriority(absl::string_view text) {
  if (text == "normal") return ThreadPriority::kNormal;
  if (text == "low") return ThreadPriority::kLow;
  if (text == "idle") return ThreadPriority::kIdle;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown thread priority \"", text, "\" (normal, low or idle)"));
}

int CurrentThreadNice() {
  return getpriority(PRIO_PROCESS, static_cast<id_t>(CurrentThreadId()));
}

int CurrentThreadPolicy() { return sched_getscheduler(CurrentThreadId()); }

absl::Status SetCurrentThreadPriority(ThreadPriority priority) {
  switch (priority) {
    case ThreadPriority::kNormal:
      return absl::OkStatus();
    case ThreadPriority::kLow:
      if (setpriority(PRIO_PROCESS, static_cast<id_t>(CurrentThreadId()),
                      kLowestNice) != 0) {
        return ErrnoError("setpriority");
      }
      return absl::OkStatus();
    case ThreadPriority::kIdle: {
      sched_param param{};
      param.sched_priority = 0;
      if (sched_setscheduler(CurrentThreadId(), SCHED_IDLE, &param) != 0) {
        return ErrnoError("sched_setscheduler");
      }
      return absl::OkStatus();
    }
  }
  return absl::InvalidArgumentError("unknown thread priority");
}

}  // namespace users
