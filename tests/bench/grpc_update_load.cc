// A closed-loop load generator for users.v1.UserService/UpdateUser (and,
// for comparison, Health/Check and SessionService/CreateSession).
//
//   grpc_update_load --target 127.0.0.1:50051 --token TOKEN
//       --first-id 1 --last-id 100000 [--field display_name|password|health]
//       [--concurrency 16] [--duration-seconds 10] [--warmup-seconds 1]
//       [--rate 0]
//   grpc_update_load --target 127.0.0.1:50051 --field email
//       --sessions FILE [--concurrency 16] ...
//   grpc_update_load --target 127.0.0.1:50051 --field login
//       --password PASSWORD --first-id 1 --last-id 100000 [--id-step 1] ...
//
// `concurrency` callers share one channel. Each caller starts its next call
// from the completion of the previous one: the asynchronous callback API
// (stub->async()), so no thread of this process waits on a call. Calls that
// complete within the measurement window (after the warm-up) count.
//
// --rate R > 0 paces the callers to R calls per second in all (each caller
// waits on a grpc::Alarm until its next slot) and measures each call's
// latency from its slot, so a slow call also counts the delay it caused
// the next: a latency probe rather than a throughput test.
//
// display_name and password: each call updates that field of a random user
// in [first-id, last-id] of --project, authorized by --token.
// health: each call is grpc.health.v1.Health/Check instead, which touches
// no database: the cost of a gRPC call itself on this machine, the floor
// under every UpdateUser.
// email: caller i is the user of line i of FILE ("<user id> <session
// token>" lines, at least `concurrency` of them) and changes its own email
// with its session, which rotates the session: the next call uses the token
// userd returned in x-session-token (what the neptun contract does).
// login: each call is SessionService/CreateSession of user
// "<login-prefix><id>" with --password, for a random id among first-id,
// first-id + id-step, ... up to last-id (a step of 2 picks every other
// user, e.g. those sharing one password hash). No token is sent.
// Prints one JSON object on stdout:
//   {"calls", "throughput", "p50_ms", "p99_ms", "max_ms", "errors": {code: n}}
// Exits 2 on bad flags.
#include <grpcpp/alarm.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "nlohmann/json.hpp"
#include "services/common/flags.h"
#include "services/common/grpc_code_name.h"
#include "tests/bench/latency_summary.h"
#include "tests/bench/tool_flags.h"
#include "users/v1/session_service.grpc.pb.h"
#include "users/v1/user_service.grpc.pb.h"

namespace users::bench {
namespace {

using Clock = std::chrono::steady_clock;

// A user's session, for email changes.
struct UserSession {
  int64_t user_id = 0;
  std::string token;
};

struct LoadConfig {
  std::string project;
  std::string token;
  std::string field;  // "display_name", "password", "email", "health", "login"
  int64_t first_id = 1;
  int64_t last_id = 1;
  int64_t id_step = 1;
  std::string login_prefix;  // login: usernames are login_prefix + id
  std::string password;      // login
  Clock::time_point measure_from;
  Clock::time_point stop_at;
  // Between two calls of one caller when paced; zero: as fast as possible.
  Clock::duration pacing_interval{0};
};

// One caller: a chain of calls, each started by the previous one's
// completion. Only that chain touches its members, so they need no lock.
class Caller {
 public:
  // `session`: the caller's own session (email changes only).
  Caller(v1::UserService::Stub* stub, grpc::health::v1::Health::Stub* health,
         v1::SessionService::Stub* sessions, const LoadConfig& config,
         uint64_t seed, UserSession session, std::function<void()> on_finished)
      : stub_(stub),
        health_(health),
        sessions_(sessions),
        config_(config),
        random_(seed),
        session_(std::move(session)),
        on_finished_(std::move(on_finished)) {}

  // Starts the caller's first call, at `first_slot` when paced.
  void Begin(Clock::time_point first_slot) {
    slot_ = first_slot;
    StartAtSlot();
  }

  std::vector<uint32_t>& latencies_us() { return latencies_us_; }
  const std::map<std::string, int64_t>& errors() const { return errors_; }

 private:
  // Paced: waits for the caller's slot, then starts; otherwise starts now.
  void StartAtSlot() {
    Clock::time_point now = Clock::now();
    if (now >= config_.stop_at) return on_finished_();
    if (config_.pacing_interval == Clock::duration::zero() || now >= slot_) {
      return Start();
    }
    // Alternating alarms: the one set last time may still be returning from
    // its callback (which started the call that just completed).
    grpc::Alarm& alarm = alarms_[alarms_set_++ % 2];
    alarm.Set(std::chrono::system_clock::now() + (slot_ - now),
              [this](bool) { Start(); });
  }

  void Start() {
    if (Clock::now() >= config_.stop_at) return on_finished_();
    const bool email = config_.field == "email";
    context_ = std::make_unique<grpc::ClientContext>();
    if (config_.field != "login") {
      context_->AddMetadata(
          "authorization",
          "Bearer " + (email ? session_.token : config_.token));
    }
    context_->set_deadline(std::chrono::system_clock::now() +
                           std::chrono::seconds(30));
    if (config_.field == "health") {
      started_ = SlotOrNow();
      health_->async()->Check(
          context_.get(), &health_request_, &health_response_,
          [this](const grpc::Status& status) { Done(status); });
      return;
    }
    std::uniform_int_distribution<int64_t> steps(
        0, (config_.last_id - config_.first_id) / config_.id_step);
    const int64_t random_id =
        config_.first_id + config_.id_step * steps(random_);
    if (config_.field == "login") {
      login_request_.set_parent(absl::StrCat("projects/", config_.project));
      login_request_.set_login(absl::StrCat(config_.login_prefix, random_id));
      login_request_.set_password(config_.password);
      started_ = SlotOrNow();
      sessions_->async()->CreateSession(
          context_.get(), &login_request_, &login_response_,
          [this](const grpc::Status& status) { Done(status); });
      return;
    }
    const int64_t user_id = email ? session_.user_id : random_id;
    request_.Clear();
    v1::User* user = request_.mutable_user();
    user->set_name(
        absl::StrCat("projects/", config_.project, "/users/", user_id));
    const uint64_t nonce = random_() % 1000000000000;
    if (config_.field == "password") {
      user->set_password(absl::StrCat("bench-password-", nonce));
    } else if (email) {
      user->set_email(absl::StrCat("g", user_id, "-", nonce, "@bench.example"));
    } else {
      user->set_display_name(absl::StrCat("Bench ", nonce));
    }
    request_.mutable_update_mask()->add_paths(config_.field);
    started_ = SlotOrNow();
    stub_->async()->UpdateUser(
        context_.get(), &request_, &response_,
        [this](const grpc::Status& status) { Done(status); });
  }

  // When the call counts from: its slot when paced, else now.
  Clock::time_point SlotOrNow() const {
    return config_.pacing_interval == Clock::duration::zero() ? Clock::now()
                                                              : slot_;
  }

  void Done(const grpc::Status& status) {
    Clock::time_point finished = Clock::now();
    if (status.ok() && config_.field == "email") {
      const auto& metadata = context_->GetServerInitialMetadata();
      auto rotated = metadata.find("x-session-token");
      if (rotated != metadata.end()) {
        session_.token.assign(rotated->second.data(), rotated->second.size());
      }
    }
    if (finished >= config_.measure_from && finished <= config_.stop_at) {
      if (status.ok()) {
        latencies_us_.push_back(static_cast<uint32_t>(
            std::chrono::duration_cast<std::chrono::microseconds>(finished -
                                                                  started_)
                .count()));
      } else {
        ++errors_[GrpcCodeName(status.error_code())];
      }
    }
    slot_ += config_.pacing_interval;
    StartAtSlot();
  }

  v1::UserService::Stub* stub_;
  grpc::health::v1::Health::Stub* health_;
  v1::SessionService::Stub* sessions_;
  const LoadConfig& config_;
  std::mt19937_64 random_;
  UserSession session_;
  std::function<void()> on_finished_;
  std::unique_ptr<grpc::ClientContext> context_;
  v1::UpdateUserRequest request_;
  v1::User response_;
  grpc::health::v1::HealthCheckRequest health_request_;
  grpc::health::v1::HealthCheckResponse health_response_;
  v1::CreateSessionRequest login_request_;
  v1::Session login_response_;
  Clock::time_point started_;
  Clock::time_point slot_;
  grpc::Alarm alarms_[2];
  uint64_t alarms_set_ = 0;
  std::vector<uint32_t> latencies_us_;
  std::map<std::string, int64_t> errors_;
};

// Reads "<user id> <token>" lines; empty on a missing or malformed file.
std::vector<UserSession> ReadSessions(const std::string& path) {
  std::vector<UserSession> sessions;
  std::ifstream in(path);
  UserSession session;
  while (in >> session.user_id >> session.token) sessions.push_back(session);
  if (!in.eof()) sessions.clear();
  return sessions;
}

Flags DefineFlags() {
  Flags flags("grpc_update_load");
  flags.AddString("target", "", "127.0.0.1:50051", "userd's address");
  flags.AddString("token", "", "", "bearer token (an API key with write)");
  flags.AddString("project", "", "default", "the users' project");
  flags.AddString("field", "", "display_name",
                  "the field to update: display_name, password or email; "
                  "or health: Health/Check calls instead of updates; or "
                  "login: CreateSession calls");
  flags.AddString("sessions", "", "",
                  "email: file of \"<user id> <session token>\" lines");
  flags.AddInt("first-id", "", 1, "smallest user id");
  flags.AddInt("last-id", "", 1, "largest user id");
  flags.AddInt("id-step", "", 1, "users drawn: first-id + k x id-step");
  flags.AddString("login-prefix", "", "bench",
                  "login: the username is this followed by the user id");
  flags.AddString("password", "", "", "login: every user's password");
  flags.AddInt("concurrency", "", 16, "concurrent callers");
  flags.AddInt("duration-seconds", "", 10, "measurement window");
  flags.AddInt("warmup-seconds", "", 1, "calls before the window, uncounted");
  flags.AddInt("seed", "", 1, "random seed");
  flags.AddInt("rate", "", 0,
               "calls per second in all, paced (0: as fast as possible)");
  return flags;
}

int Run(int argc, char** argv) {
  Flags flags = DefineFlags();
  if (std::optional<int> exit_code = ParseToolFlags(flags, argc, argv)) {
    return *exit_code;
  }
  LoadConfig config;
  config.project = flags.GetString("project");
  config.token = flags.GetString("token");
  config.field = flags.GetString("field");
  config.first_id = flags.GetInt("first-id");
  config.last_id = flags.GetInt("last-id");
  config.id_step = flags.GetInt("id-step");
  config.login_prefix = flags.GetString("login-prefix");
  config.password = flags.GetString("password");
  const int64_t concurrency = flags.GetInt("concurrency");
  const int64_t duration = flags.GetInt("duration-seconds");
  const int64_t warmup = flags.GetInt("warmup-seconds");
  const int64_t rate = flags.GetInt("rate");
  if (rate < 0 ||
      (config.field != "display_name" && config.field != "password" &&
       config.field != "email" && config.field != "health" &&
       config.field != "login") ||
      (config.field == "login" && config.password.empty()) ||
      config.first_id < 1 || config.last_id < config.first_id ||
      config.id_step < 1 || concurrency < 1 || duration < 1 || warmup < 0) {
    std::fprintf(stderr,
                 "grpc_update_load: need --field "
                 "display_name|password|email|health|login (login with "
                 "--password), 1 <= --first-id <= --last-id, "
                 "--id-step >= 1, --concurrency >= 1, "
                 "--duration-seconds >= 1, --warmup-seconds >= 0, "
                 "--rate >= 0\n");
    return 2;
  }
  if (rate > 0) {
    config.pacing_interval = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(static_cast<double>(concurrency) /
                                      static_cast<double>(rate)));
  }
  std::vector<UserSession> sessions;
  if (config.field == "email") {
    sessions = ReadSessions(flags.GetString("sessions"));
    if (sessions.size() < static_cast<size_t>(concurrency)) {
      std::fprintf(stderr,
                   "grpc_update_load: --field email needs --sessions with at "
                   "least --concurrency \"<user id> <token>\" lines\n");
      return 2;
    }
  }

  std::shared_ptr<grpc::Channel> channel = grpc::CreateChannel(
      flags.GetString("target"), grpc::InsecureChannelCredentials());
  if (!channel->WaitForConnected(std::chrono::system_clock::now() +
                                 std::chrono::seconds(10))) {
    std::fprintf(stderr, "grpc_update_load: cannot connect to %s\n",
                 flags.GetString("target").c_str());
    return 1;
  }
  std::unique_ptr<v1::UserService::Stub> stub =
      v1::UserService::NewStub(channel);
  std::unique_ptr<grpc::health::v1::Health::Stub> health =
      grpc::health::v1::Health::NewStub(channel);
  std::unique_ptr<v1::SessionService::Stub> session_stub =
      v1::SessionService::NewStub(channel);

  std::mutex mutex;
  std::condition_variable all_finished;
  int64_t running = concurrency;
  auto on_finished = [&] {
    std::lock_guard<std::mutex> lock(mutex);
    if (--running == 0) all_finished.notify_one();
  };
  const Clock::time_point start = Clock::now();
  config.measure_from = start + std::chrono::seconds(warmup);
  config.stop_at = config.measure_from + std::chrono::seconds(duration);
  std::vector<std::unique_ptr<Caller>> callers;
  const uint64_t seed = static_cast<uint64_t>(flags.GetInt("seed"));
  for (int64_t i = 0; i < concurrency; ++i) {
    callers.push_back(std::make_unique<Caller>(
        stub.get(), health.get(), session_stub.get(), config, seed * 1000 + i,
        sessions.empty() ? UserSession{} : sessions[i], on_finished));
  }
  // Paced callers start staggered across one interval.
  for (int64_t i = 0; i < concurrency; ++i) {
    callers[i]->Begin(start + config.pacing_interval * i / concurrency);
  }
  {
    std::unique_lock<std::mutex> lock(mutex);
    all_finished.wait(lock, [&] { return running == 0; });
  }

  std::vector<uint32_t> latencies;
  std::map<std::string, int64_t> errors;
  for (auto& caller : callers) {
    latencies.insert(latencies.end(), caller->latencies_us().begin(),
                     caller->latencies_us().end());
    for (const auto& [code, count] : caller->errors()) errors[code] += count;
  }
  LatencySummary summary = Summarize(latencies, static_cast<double>(duration));
  nlohmann::json out = {
      {"calls", summary.calls},   {"throughput", summary.throughput_per_second},
      {"p50_ms", summary.p50_ms}, {"p99_ms", summary.p99_ms},
      {"max_ms", summary.max_ms}, {"errors", errors},
  };
  std::printf("%s\n", out.dump().c_str());
  return 0;
}

}  // namespace
}  // namespace users::bench

int main(int argc, char** argv) { return users::bench::Run(argc, argv); }
