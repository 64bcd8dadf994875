#include "storage/connection_string.h"

#include <libpq-fe.h>

#include <memory>

#include "absl/status/status.h"

namespace users {
namespace {

// A value quoted for a key=value connection string.
std::string Quote(const std::string& value) {
  std::string quoted = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') quoted += '\\';
    quoted += c;
  }
  quoted += '\'';
  return quoted;
}

}  // namespace

absl::StatusOr<std::string> RewriteConnectionString(
    absl::string_view connection_string,
    const std::map<std::string, std::string>& overrides,
    const std::map<std::string, std::string>& defaults,
    absl::string_view options) {
  const std::string text(connection_string.data(), connection_string.size());
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, void (*)(PQconninfoOption*)> parsed(
      PQconninfoParse(text.c_str(), &error), PQconninfoFree);
  if (error != nullptr) PQfreemem(error);
  if (parsed == nullptr) {
    return absl::InvalidArgumentError("invalid database connection string");
  }
  std::map<std::string, std::string> values;
  for (const PQconninfoOption* option = parsed.get();
       option->keyword != nullptr; ++option) {
    if (option->val != nullptr) values[option->keyword] = option->val;
  }
  for (const auto& [keyword, value] : defaults) values.emplace(keyword, value);
  for (const auto& [keyword, value] : overrides) values[keyword] = value;
  if (!options.empty()) {
    std::string& all = values["options"];
    if (!all.empty()) all += ' ';
    all.append(options.data(), options.size());
  }
  std::string rewritten;
  for (const auto& [keyword, value] : values) {
    if (!rewritten.empty()) rewritten += ' ';
    rewritten += keyword + '=' + Quote(value);
  }
  return rewritten;
}

}  // namespace users
