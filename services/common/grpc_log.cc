#include "services/common/grpc_log.h"

#include <grpc/support/log.h>

#include "services/common/log.h"

namespace users {
namespace {

void LogGrpcLine(gpr_log_func_args* args) {
  LogLevel level = LogLevel::kDebug;
  switch (args->severity) {
    case GPR_LOG_SEVERITY_ERROR:
      level = LogLevel::kError;
      break;
    case GPR_LOG_SEVERITY_INFO:
      level = LogLevel::kInfo;
      break;
    case GPR_LOG_SEVERITY_DEBUG:
      level = LogLevel::kDebug;
      break;
  }
  Log(level, "grpc_log",
      {{"message", args->message != nullptr ? args->message : ""},
       {"file", args->file != nullptr ? args->file : ""},
       {"line", args->line}});
}

}  // namespace

void SendGrpcLogsToLog() {
  // Reads GRPC_VERBOSITY now; until it has run (grpc_init runs it later),
  // gpr_log drops every line.
  gpr_log_verbosity_init();
  gpr_set_log_function(LogGrpcLine);
}

}  // namespace users
