#include "tests/bench/tool_flags.h"

#include <cstdio>
#include <string>

namespace users::bench {

std::optional<int> ParseToolFlags(Flags& flags, int argc, char** argv) {
  if (absl::Status s = flags.Parse(argc, argv); !s.ok()) {
    std::fprintf(stderr, "%s\n%s", std::string(s.message()).c_str(),
                 flags.Usage().c_str());
    return 2;
  }
  if (flags.HelpRequested()) {
    std::printf("%s", flags.Usage().c_str());
    return 0;
  }
  return std::nullopt;
}

}  // namespace users::bench
