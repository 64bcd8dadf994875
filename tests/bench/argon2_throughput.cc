// Argon2id throughput in-process: the hashes per second that `--threads`
// threads achieve with the hasher userd uses (services/users), at the given
// parameters. The baseline for password changes through userd.
//
//   argon2_throughput [--memory-kib 19456] [--iterations 2] [--threads 0]
//                     [--duration-seconds 10] [--warmup-seconds 1]
//
// Prints one JSON object: {"hashes", "throughput", "p50_ms", "p99_ms",
// "max_ms", "threads"}. Exits 2 on bad flags, 1 when a hash fails.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "nlohmann/json.hpp"
#include "services/common/flags.h"
#include "services/users/argon2id_hasher.h"
#include "tests/bench/latency_summary.h"
#include "tests/bench/tool_flags.h"

namespace users::bench {
namespace {

using Clock = std::chrono::steady_clock;

Flags DefineFlags() {
  Flags flags("argon2_throughput");
  flags.AddInt("memory-kib", "", 19456, "Argon2 memory (KiB)");
  flags.AddInt("iterations", "", 2, "Argon2 iterations");
  flags.AddInt("threads", "", 0, "hashing threads (0: one per core)");
  flags.AddInt("duration-seconds", "", 10, "measurement window");
  flags.AddInt("warmup-seconds", "", 1, "hashes before the window, uncounted");
  return flags;
}

int Run(int argc, char** argv) {
  Flags flags = DefineFlags();
  if (std::optional<int> exit_code = ParseToolFlags(flags, argc, argv)) {
    return *exit_code;
  }
  int threads = static_cast<int>(flags.GetInt("threads"));
  if (threads == 0) {
    threads = static_cast<int>(std::thread::hardware_concurrency());
  }
  const int64_t duration = flags.GetInt("duration-seconds");
  const int64_t warmup = flags.GetInt("warmup-seconds");
  if (threads < 1 || duration < 1 || warmup < 0) {
    std::fprintf(stderr,
                 "argon2_throughput: need --threads >= 0, "
                 "--duration-seconds >= 1, --warmup-seconds >= 0\n");
    return 2;
  }
  Argon2Params params;
  params.memory_kib = static_cast<uint32_t>(flags.GetInt("memory-kib"));
  params.iterations = static_cast<uint32_t>(flags.GetInt("iterations"));
  Argon2idHasher hasher(params);

  const Clock::time_point measure_from =
      Clock::now() + std::chrono::seconds(warmup);
  const Clock::time_point stop_at =
      measure_from + std::chrono::seconds(duration);
  std::vector<std::vector<uint32_t>> latencies(threads);
  std::atomic<bool> failed{false};
  std::vector<std::thread> workers;
  workers.reserve(threads);
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; Clock::now() < stop_at && !failed; ++i) {
        Clock::time_point started = Clock::now();
        if (!hasher.Hash("bench-password-" + std::to_string(i)).ok()) {
          failed = true;
          return;
        }
        Clock::time_point finished = Clock::now();
        if (finished >= measure_from && finished <= stop_at) {
          latencies[t].push_back(static_cast<uint32_t>(
              std::chrono::duration_cast<std::chrono::microseconds>(finished -
                                                                    started)
                  .count()));
        }
      }
    });
  }
  for (std::thread& worker : workers) worker.join();
  if (failed) {
    std::fprintf(stderr, "argon2_throughput: a hash failed\n");
    return 1;
  }
  std::vector<uint32_t> all;
  for (const auto& some : latencies) {
    all.insert(all.end(), some.begin(), some.end());
  }
  LatencySummary summary = Summarize(all, static_cast<double>(duration));
  nlohmann::json out = {
      {"hashes", summary.calls},  {"throughput", summary.throughput_per_second},
      {"p50_ms", summary.p50_ms}, {"p99_ms", summary.p99_ms},
      {"max_ms", summary.max_ms}, {"threads", threads},
  };
  std::printf("%s\n", out.dump().c_str());
  return 0;
}

}  // namespace
}  // namespace users::bench

int main(int argc, char** argv) { return users::bench::Run(argc, argv); }
