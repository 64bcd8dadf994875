#ifndef USERS_SERVICES_METRICS_BUILD_INFO_H_
#define USERS_SERVICES_METRICS_BUILD_INFO_H_

#include <string>
#include <string_view>

#include "prometheus/registry.h"

namespace users::metrics {

// What the binaries were built from: the version of CMake's project()
// ("0.1.0") and the short git commit captured when the build was configured
// (-DUSERS_GIT_COMMIT=... overrides it; "unknown" without .git, e.g. in an
// image built without the build arg). Both are compiled into build_info.cc
// alone, so a new commit recompiles one file.
const char* BuildVersion();
const char* BuildCommit();

// The line `--version` prints: "userd 0.1.0 (commit abcdef0)".
std::string VersionLine(std::string_view program);

// Registers the gauge `name` (by convention <prefix>_build_info) with the
// labels version and commit, set to 1: joins any series with the build it
// came from.
void AddBuildInfo(prometheus::Registry& registry, const std::string& name);

}  // namespace users::metrics

#endif  // USERS_SERVICES_METRICS_BUILD_INFO_H_
