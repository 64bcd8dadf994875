#ifndef USERS_TESTS_BENCH_TOOL_FLAGS_H_
#define USERS_TESTS_BENCH_TOOL_FLAGS_H_

#include <optional>

#include "services/common/flags.h"

namespace users::bench {

// Parses a benchmark tool's command line. On a bad flag prints the error and
// the usage to stderr and returns 2; on --help prints the usage to stdout and
// returns 0; otherwise returns nullopt and the tool runs.
std::optional<int> ParseToolFlags(Flags& flags, int argc, char** argv);

}  // namespace users::bench

#endif  // USERS_TESTS_BENCH_TOOL_FLAGS_H_
