#include "gateway/router.h"

#include "gateway/string_util.h"

namespace users::gateway {
namespace {

std::vector<std::string_view> SplitPath(std::string_view path) {
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  return Split(path, '/');
}

}  // namespace

void Router::Add(Route route, Contract* contract) {
  Entry entry{{}, std::move(route), contract};
  for (std::string_view part : SplitPath(entry.route.pattern)) {
    Segment segment;
    if (part.size() >= 2 && part.front() == '{' && part.back() == '}') {
      segment.text = std::string(part.substr(1, part.size() - 2));
      segment.is_param = true;
    } else {
      segment.text = std::string(part);
    }
    entry.segments.push_back(std::move(segment));
  }
  entries_.push_back(std::move(entry));
}

bool Router::Matches(const Entry& entry,
                     const std::vector<std::string_view>& parts) {
  if (entry.segments.size() != parts.size()) return false;
  for (size_t i = 0; i < parts.size(); ++i) {
    const Segment& segment = entry.segments[i];
    if (segment.is_param ? parts[i].empty() : segment.text != parts[i]) {
      return false;
    }
  }
  return true;
}

bool Router::MoreSpecific(const Entry& a, const Entry& b) {
  for (size_t i = 0; i < a.segments.size() && i < b.segments.size(); ++i) {
    if (a.segments[i].is_param != b.segments[i].is_param) {
      return !a.segments[i].is_param;
    }
  }
  return false;
}

Router::Match Router::Find(std::string_view method,
                           std::string_view path) const {
  std::vector<std::string_view> parts = SplitPath(path);
  const Entry* best = nullptr;
  for (const Entry& entry : entries_) {
    if (!Matches(entry, parts)) continue;
    if (best == nullptr || MoreSpecific(entry, *best)) best = &entry;
  }
  Match match;
  if (best == nullptr) return match;
  std::vector<std::string> allowed;
  for (const Entry& entry : entries_) {
    if (entry.route.pattern != best->route.pattern) continue;
    allowed.push_back(entry.route.method);
    if (entry.route.method != method) continue;
    match.outcome = Outcome::kFound;
    match.route = &entry.route;
    match.contract = entry.contract;
    for (size_t i = 0; i < parts.size(); ++i) {
      if (entry.segments[i].is_param) {
        match.params[entry.segments[i].text] = std::string(parts[i]);
      }
    }
    return match;
  }
  match.outcome = Outcome::kMethodNotAllowed;
  match.contract = best->contract;
  match.allow = Join(allowed, ", ");
  return match;
}

}  // namespace users::gateway
