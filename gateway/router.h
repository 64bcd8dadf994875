#ifndef USERS_GATEWAY_ROUTER_H_
#define USERS_GATEWAY_ROUTER_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/contract.h"

namespace users::gateway {

// Maps (method, path) to a route. Patterns are '/'-separated segments, each
// static or a `{name}` parameter matching one non-empty segment. When several
// patterns match a path, the one with a static segment at the first place
// where they differ wins (`/api/users/7` is `/api/users/{id}`, not
// `/{project}/users/{id}`). The method is checked after the path: a path that
// matches with another method is 405, not 404.
class Router final {
 public:
  enum class Outcome { kFound, kNotFound, kMethodNotAllowed };
  struct Match {
    Outcome outcome = Outcome::kNotFound;
    const Route* route = nullptr;  // kFound
    Contract* contract = nullptr;  // kFound, kMethodNotAllowed (may be null)
    std::map<std::string, std::string> params;
    std::string allow;  // kMethodNotAllowed: "GET, PATCH"
  };

  // `contract` may be null for routes outside every contract (health).
  void Add(Route route, Contract* contract);
  Match Find(std::string_view method, std::string_view path) const;

 private:
  struct Segment {
    std::string text;
    bool is_param = false;
  };
  struct Entry {
    std::vector<Segment> segments;
    Route route;
    Contract* contract;
  };
  static bool Matches(const Entry& entry,
                      const std::vector<std::string_view>& parts);
  // True when `a` is more specific than `b` (both match the same path).
  static bool MoreSpecific(const Entry& a, const Entry& b);

  std::vector<Entry> entries_;
};

}  // namespace users::gateway

#endif  // USERS_GATEWAY_ROUTER_H_
