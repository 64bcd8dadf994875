#include "services/users/thread_priority.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace users {
namespace {

id_t CurrentThreadId() { return static_cast<id_t>(syscall(SYS_gettid)); }

}  // namespace

int CurrentThreadNice() {
  errno = 0;
  return getpriority(PRIO_PROCESS, CurrentThreadId());
}

absl::Status LowerCurrentThreadPriority(int increment) {
  if (increment <= 0) return absl::OkStatus();
  int nice = std::min(CurrentThreadNice() + increment, 19);
  if (setpriority(PRIO_PROCESS, CurrentThreadId(), nice) != 0) {
    return absl::InternalError(
        absl::StrCat("setpriority: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

}  // namespace users
