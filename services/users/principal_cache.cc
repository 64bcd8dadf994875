#include "services/users/principal_cache.h"

#include <algorithm>
#include <iterator>

namespace users {

PrincipalCache::PrincipalCache(std::chrono::milliseconds ttl, Clock clock,
                               size_t capacity,
                               PrincipalCacheObserver* observer)
    : ttl_(std::min<std::chrono::milliseconds>(ttl, kMaxTtl)),
      clock_(std::move(clock)),
      capacity_(capacity),
      observer_(observer) {}

std::optional<TokenRecord> PrincipalCache::Lookup(
    const std::string& token_hash) {
  std::optional<TokenRecord> found = FindLive(token_hash);
  if (found.has_value() && observer_ != nullptr) observer_->OnHit();
  return found;
}

PrincipalCache::Ticket PrincipalCache::BeginFill() {
  if (observer_ != nullptr) observer_->OnMiss();
  std::lock_guard<std::mutex> lock(mutex_);
  return Ticket{generation_, clock_()};
}

bool PrincipalCache::Insert(const std::string& token_hash,
                            const TokenRecord& record, const Ticket& ticket) {
  // Both bounds count from before the read, so they err on the early side:
  // the token's remaining lifetime was measured after the read began.
  std::chrono::steady_clock::time_point expires = ticket.read_start + ttl_;
  if (record.expires_in_ms.has_value()) {
    expires = std::min(expires, ticket.read_start + std::chrono::milliseconds(
                                                        *record.expires_in_ms));
  }
  std::unique_lock<std::mutex> lock(mutex_);
  if (!listening_ || record.user_suspended) return false;
  if (ticket.generation != generation_) {
    lock.unlock();
    if (observer_ != nullptr) observer_->OnStaleFill();
    return false;
  }
  const std::chrono::steady_clock::time_point now = clock_();
  if (expires <= now) return false;
  if (now >= next_sweep_ || entries_.size() >= capacity_) SweepLocked(now);
  if (entries_.size() >= capacity_ && entries_.count(token_hash) == 0) {
    return false;
  }
  EraseLocked(token_hash);
  entries_[token_hash] = Entry{record, expires};
  by_project_[record.project_id].insert(token_hash);
  if (record.user_id.has_value()) {
    by_user_[{record.project_id, *record.user_id}].insert(token_hash);
  }
  return true;
}

void PrincipalCache::EvictToken(const std::string& token_hash) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++generation_;
  EraseLocked(token_hash);
}

void PrincipalCache::EvictUser(const std::string& project_id, int64_t user_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++generation_;
  auto it = by_user_.find({project_id, user_id});
  if (it != by_user_.end()) EraseAllLocked(it->second);
}

void PrincipalCache::EvictProject(const std::string& project_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++generation_;
  auto it = by_project_.find(project_id);
  if (it != by_project_.end()) EraseAllLocked(it->second);
}

void PrincipalCache::Flush() {
  std::lock_guard<std::mutex> lock(mutex_);
  FlushLocked();
}

void PrincipalCache::Apply(const PrincipalChange& change) {
  switch (change.kind) {
    case PrincipalChange::Kind::kToken:
      EvictToken(change.token_hash);
      break;
    case PrincipalChange::Kind::kUser:
      EvictUser(change.project_id, change.user_id);
      break;
    case PrincipalChange::Kind::kProject:
      EvictProject(change.project_id);
      break;
    case PrincipalChange::Kind::kAll:
    default:
      Flush();
      break;
  }
  // Once applied, so that what the observer counts is in effect.
  if (observer_ != nullptr) observer_->OnChange(change.kind);
}

void PrincipalCache::SetListening(bool listening) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    FlushLocked();
    listening_ = listening;
  }
  if (observer_ != nullptr) observer_->OnListening(listening);
}

bool PrincipalCache::listening() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return listening_;
}

size_t PrincipalCache::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return entries_.size();
}

std::optional<TokenRecord> PrincipalCache::FindLive(
    const std::string& token_hash) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!listening_) return std::nullopt;
  auto it = entries_.find(token_hash);
  if (it == entries_.end()) return std::nullopt;
  if (clock_() >= it->second.expires) {
    EraseLocked(token_hash);
    return std::nullopt;
  }
  return it->second.record;
}

void PrincipalCache::FlushLocked() {
  ++generation_;
  entries_.clear();
  by_user_.clear();
  by_project_.clear();
}

void PrincipalCache::EraseLocked(const std::string& token_hash) {
  auto it = entries_.find(token_hash);
  if (it == entries_.end()) return;
  const TokenRecord& record = it->second.record;
  auto project = by_project_.find(record.project_id);
  if (project != by_project_.end()) {
    project->second.erase(token_hash);
    if (project->second.empty()) by_project_.erase(project);
  }
  if (record.user_id.has_value()) {
    auto user = by_user_.find({record.project_id, *record.user_id});
    if (user != by_user_.end()) {
      user->second.erase(token_hash);
      if (user->second.empty()) by_user_.erase(user);
    }
  }
  entries_.erase(it);
}

void PrincipalCache::EraseAllLocked(const std::set<std::string>& token_hashes) {
  // A copy: erasing the last token of a user or project erases the set that
  // `token_hashes` may refer to.
  // NOLINTNEXTLINE(performance-unnecessary-copy-initialization)
  const std::set<std::string> erased = token_hashes;
  for (const std::string& token_hash : erased) EraseLocked(token_hash);
}

void PrincipalCache::SweepLocked(std::chrono::steady_clock::time_point now) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    auto next = std::next(it);
    if (now >= it->second.expires) EraseLocked(it->first);
    it = next;
  }
  next_sweep_ = now + ttl_;
}

}  // namespace users
