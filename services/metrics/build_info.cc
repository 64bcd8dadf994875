#include "services/metrics/build_info.h"

#include "prometheus/gauge.h"

#ifndef USERS_VERSION
#error "USERS_VERSION must be defined (services/metrics/CMakeLists.txt)"
#endif
#ifndef USERS_GIT_COMMIT
#error "USERS_GIT_COMMIT must be defined (services/metrics/CMakeLists.txt)"
#endif

namespace users::metrics {

const char* BuildVersion() { return USERS_VERSION; }

const char* BuildCommit() { return USERS_GIT_COMMIT; }

std::string VersionLine(std::string_view program) {
  std::string line(program);
  line += ' ';
  line += BuildVersion();
  line += " (commit ";
  line += BuildCommit();
  line += ')';
  return line;
}

void AddBuildInfo(prometheus::Registry& registry, const std::string& name) {
  prometheus::BuildGauge()
      .Name(name)
      .Help("Build information: version and git commit; always 1")
      .Register(registry)
      .Add({{"version", BuildVersion()}, {"commit", BuildCommit()}})
      .Set(1);
}

}  // namespace users::metrics
