#ifndef USERS_SERVICES_USERS_PRINCIPAL_CACHE_H_
#define USERS_SERVICES_USERS_PRINCIPAL_CACHE_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>

#include "services/users/principal_cache_observer.h"
#include "storage/credential_store.h"
#include "storage/principal_changes.h"

namespace users {

// What bearer tokens resolved to, kept for a short while so that an
// authenticated call needs no database round trip for its token.
//
// Keys are token hashes (raw SHA-256, sessions and API keys alike); values
// are the TokenRecord CredentialStore::FindToken returned. An entry lives until
// the earliest of: `ttl` after the read began, the token's own expiry, an
// eviction that names it (its token, its user, its project), a Flush().
// Records of suspended users are never kept (a suspension ends by the clock,
// which announces nothing), nor are unknown tokens.
//
// The cache is only used while it is told that changes reach it
// (SetListening(true)): otherwise Lookup() misses and Insert() keeps
// nothing, and every call goes to the database.
//
// A fill is a Ticket taken before the database read, then Insert(). Every
// eviction, flush and change of listening state advances a generation;
// Insert() keeps nothing when the generation moved since its ticket, so a
// read made before a revocation committed can never be cached after the
// revocation's announcement was applied.
//
// `observer` (optional, outliving the cache) is told of hits, misses, stale
// fills, applied changes and changes of listening state.
//
// Thread-safe.
class PrincipalCache final {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  // The longest `ttl` allowed, and the default.
  static constexpr std::chrono::seconds kMaxTtl{60};
  // Entries kept at most; past that, fills are dropped until some expire.
  static constexpr size_t kDefaultCapacity = 100000;

  explicit PrincipalCache(std::chrono::milliseconds ttl = kMaxTtl,
                          Clock clock = &std::chrono::steady_clock::now,
                          size_t capacity = kDefaultCapacity,
                          PrincipalCacheObserver* observer = nullptr);

  PrincipalCache(const PrincipalCache&) = delete;
  PrincipalCache& operator=(const PrincipalCache&) = delete;

  struct Ticket {
    uint64_t generation = 0;
    std::chrono::steady_clock::time_point read_start;
  };

  // The live record of `token_hash`, or nullopt (also while not listening).
  std::optional<TokenRecord> Lookup(const std::string& token_hash);
  // Take before reading the database for `Insert`.
  Ticket BeginFill();
  // Keeps `record` unless: not listening, the generation moved since
  // `ticket`, the user is suspended, the token has (almost) expired, or the
  // cache is full. True when kept.
  bool Insert(const std::string& token_hash, const TokenRecord& record,
              const Ticket& ticket);

  void EvictToken(const std::string& token_hash);
  void EvictUser(const std::string& project_id, int64_t user_id);
  void EvictProject(const std::string& project_id);
  void Flush();
  // The eviction an announced change asks for.
  void Apply(const PrincipalChange& change);

  // Flushes, and uses the cache from now on (true) or not (false).
  void SetListening(bool listening);
  bool listening() const;
  size_t size() const;

 private:
  struct Entry {
    TokenRecord record;
    std::chrono::steady_clock::time_point expires;
  };
  using UserKey = std::pair<std::string, int64_t>;

  // Lookup(), but telling the observer nothing. Takes mutex_.
  std::optional<TokenRecord> FindLive(const std::string& token_hash);
  // All guarded by mutex_.
  void FlushLocked();
  void EraseLocked(const std::string& token_hash);
  void EraseAllLocked(const std::set<std::string>& token_hashes);
  void SweepLocked(std::chrono::steady_clock::time_point now);

  const std::chrono::milliseconds ttl_;
  const Clock clock_;
  const size_t capacity_;
  PrincipalCacheObserver* const observer_;
  mutable std::mutex mutex_;
  bool listening_ = false;
  uint64_t generation_ = 0;
  std::chrono::steady_clock::time_point next_sweep_;
  std::unordered_map<std::string, Entry> entries_;
  std::map<UserKey, std::set<std::string>> by_user_;
  std::map<std::string, std::set<std::string>> by_project_;
};

}  // namespace users

#endif  // USERS_SERVICES_USERS_PRINCIPAL_CACHE_H_
