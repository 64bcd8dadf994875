#include "services/common/flags.h"

#include <cstdlib>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace users {

void Flags::AddString(const std::string& name, const std::string& env,
                      std::string default_value, std::string help) {
  flags_[name] =
      Flag{Kind::kString, env, std::move(default_value), std::move(help)};
}

void Flags::AddInt(const std::string& name, const std::string& env,
                   int64_t default_value, std::string help) {
  flags_[name] =
      Flag{Kind::kInt, env, std::to_string(default_value), std::move(help)};
}

void Flags::AddBool(const std::string& name, const std::string& env,
                    bool default_value, std::string help) {
  flags_[name] =
      Flag{Kind::kBool, env, default_value ? "true" : "false", std::move(help)};
}

absl::Status Flags::Set(const std::string& name, Flag& flag,
                        const std::string& value) {
  switch (flag.kind) {
    case Kind::kString:
      flag.value = value;
      return absl::OkStatus();
    case Kind::kInt: {
      int64_t parsed;
      if (!absl::SimpleAtoi(value, &parsed)) {
        return absl::InvalidArgumentError(
            absl::StrCat("--", name, ": not an integer: ", value));
      }
      flag.value = std::to_string(parsed);
      return absl::OkStatus();
    }
    case Kind::kBool: {
      bool parsed;
      if (!absl::SimpleAtob(value, &parsed)) {
        return absl::InvalidArgumentError(
            absl::StrCat("--", name, ": not a boolean: ", value));
      }
      flag.value = parsed ? "true" : "false";
      return absl::OkStatus();
    }
  }
  return absl::OkStatus();
}

absl::Status Flags::Parse(int argc, char** argv, int first) {
  for (auto& [name, flag] : flags_) {
    if (flag.env.empty()) continue;
    const char* env_value = std::getenv(flag.env.c_str());
    if (env_value == nullptr || *env_value == '\0') continue;
    absl::Status status = Set(name, flag, env_value);
    if (!status.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("$", flag.env, ": ", status.message()));
    }
  }
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      help_requested_ = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0) {
      positional_.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2);
    std::string value;
    bool has_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    auto it = flags_.find(name);
    if (it == flags_.end()) {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name));
    }
    if (!has_value) {
      if (it->second.kind == Kind::kBool) {
        value = "true";
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        return absl::InvalidArgumentError(
            absl::StrCat("--", name, " needs a value"));
      }
    }
    if (absl::Status status = Set(name, it->second, value); !status.ok()) {
      return status;
    }
  }
  return absl::OkStatus();
}

std::string Flags::GetString(const std::string& name) const {
  auto it = flags_.find(name);
  return it == flags_.end() ? std::string() : it->second.value;
}

int64_t Flags::GetInt(const std::string& name) const {
  int64_t value = 0;
  auto it = flags_.find(name);
  if (it != flags_.end()) (void)absl::SimpleAtoi(it->second.value, &value);
  return value;
}

bool Flags::GetBool(const std::string& name) const {
  auto it = flags_.find(name);
  return it != flags_.end() && it->second.value == "true";
}

std::string Flags::Usage() const {
  std::string out = absl::StrCat("usage: ", program_, " [flags]\n");
  for (const auto& [name, flag] : flags_) {
    absl::StrAppend(&out, "  --", name);
    if (!flag.env.empty()) absl::StrAppend(&out, " ($", flag.env, ")");
    absl::StrAppend(&out, "\n      ", flag.help, " [", flag.value, "]\n");
  }
  return out;
}

}  // namespace users
