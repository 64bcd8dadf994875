#ifndef USERS_SERVICES_COMMON_FLAGS_H_
#define USERS_SERVICES_COMMON_FLAGS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace users {

// Command-line flags with environment fallbacks: a value given as
// `--name=value` or `--name value` wins over the environment variable, which
// wins over the default. Boolean flags also accept a bare `--name`.
//
// Hand-written because Debian 12's Abseil flags have no environment fallback
// and the same binaries run from shells and from Kubernetes Deployments.
class Flags final {
 public:
  explicit Flags(std::string program) : program_(std::move(program)) {}

  void AddString(const std::string& name, const std::string& env,
                 std::string default_value, std::string help);
  void AddInt(const std::string& name, const std::string& env,
              int64_t default_value, std::string help);
  void AddBool(const std::string& name, const std::string& env,
               bool default_value, std::string help);

  // Parses argv[first..]. Arguments that are not flags are collected in
  // Positional(). Returns InvalidArgument naming an unknown flag or a bad
  // value. `--help` sets HelpRequested().
  absl::Status Parse(int argc, char** argv, int first = 1);

  std::string GetString(const std::string& name) const;
  int64_t GetInt(const std::string& name) const;
  bool GetBool(const std::string& name) const;
  const std::vector<std::string>& Positional() const { return positional_; }
  bool HelpRequested() const { return help_requested_; }
  std::string Usage() const;

 private:
  enum class Kind { kString, kInt, kBool };
  struct Flag {
    Kind kind;
    std::string env;
    std::string value;
    std::string help;
  };
  absl::Status Set(const std::string& name, Flag& flag,
                   const std::string& value);

  std::string program_;
  std::map<std::string, Flag> flags_;
  std::vector<std::string> positional_;
  bool help_requested_ = false;
};

}  // namespace users

#endif  // USERS_SERVICES_COMMON_FLAGS_H_
