#ifndef USERS_SERVICES_USERS_IDEMPOTENCY_H_
#define USERS_SERVICES_USERS_IDEMPOTENCY_H_

#include <functional>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "services/users/authenticator.h"
#include "services/users/call_context.h"
#include "services/users/hashing_jobs.h"
#include "services/users/principal.h"
#include "services/users/service_deps.h"
#include "services/users/tokens.h"
#include "storage/stores.h"

namespace users {

// Idempotent writes (AIP-155). A write called with a request_id commits an
// IdempotencyRecord with it; a retry with the same request_id by the same
// caller within a day is answered from the record and writes nothing again.

// OK for "" (not idempotent) and for 1 to 255 printable ASCII characters;
// otherwise INVALID_ARGUMENT naming `request_id`.
absl::Status ValidateRequestId(const std::string& request_id);

// What a retry must repeat: SHA-256 over `method` and the deterministic
// serialization of `request`, which the caller has stripped of its
// request_id and of any password (a fast hash of a password must never be
// stored), and whether the request carried a password.
std::string RequestFingerprint(absl::string_view method,
                               const google::protobuf::Message& request,
                               bool has_password);

// INVALID_ARGUMENT (REQUEST_ID_REUSED): the request_id was used for another
// request.
absl::Status RequestIdReused();

// One call of an idempotent method.
struct IdempotentCall {
  std::string method;        // "UpdateUser", as in RequestFingerprint
  std::string request_id;    // the request's; "" for a plain call
  std::string request_hash;  // RequestFingerprint
  // The request's password in plaintext, "" for none: a retry's must verify
  // against the hash the first call stored.
  std::string password;
};

// The IdempotentCall of `request` (a users.v1 request with a request_id),
// which the caller has stripped of any password; `password` is that
// password, "" for none.
template <typename Request>
IdempotentCall IdempotentCallOf(absl::string_view method, Request request,
                                std::string password = {}) {
  IdempotentCall call;
  call.method = std::string(method);
  call.request_id = request.request_id();
  request.clear_request_id();
  call.request_hash = RequestFingerprint(method, request, !password.empty());
  call.password = std::move(password);
  return call;
}

// Decides whether `record` answers `call` (same method, same request, same
// password) and runs `done` with OK or REQUEST_ID_REUSED, possibly later on
// a hashing thread (a password costs one verification).
void MatchRecord(const ServiceDeps& deps, const IdempotentCall& call,
                 const IdempotencyRecord& record, Deadline deadline,
                 std::function<void(absl::Status)> done);

// Whether a write that failed with `status` may have lost a race with a
// concurrent duplicate that committed first (its record then answers).
bool MayBeRecordedDuplicate(const absl::Status& status);

// The record a write of `call` by `principal` commits (response and
// session filled in by the store).
IdempotencyRecord NewRecord(const IdempotentCall& call,
                            const Principal& principal,
                            const std::string& bearer_token);

// Runs an idempotent method on a database worker:
//  - authenticates the call; a token that no longer works is still accepted
//    from a retry whose first attempt ended it (a rotated session, a logout)
//    and is answered from that attempt's record;
//  - without a request_id, runs `write(store, principal, nullopt, done)`;
//  - with one, answers from the caller's live record of it through
//    `replay(record, done)`, or runs `write` with the record to commit. When
//    that write fails as a concurrent duplicate would make it fail, the
//    duplicate's record answers instead.
// Every outcome reaches `done` exactly once.
template <typename T>
void RunIdempotent(
    const ServiceDeps& deps, const CallContext& context, IdempotentCall call,
    std::function<void(Stores&, const Principal&,
                       std::optional<IdempotencyRecord>, Callback<T>)>
        write,
    std::function<void(const IdempotencyRecord&, Callback<T>)> replay,
    Callback<T> done);

// ---------------------------------------------------------------------------
// Implementation.

namespace idempotency_internal {

// Answers `call` from `record` (MatchRecord, then `replay`) or fails.
template <typename T>
void Answer(const ServiceDeps& deps, const IdempotentCall& call,
            const CallContext& context, IdempotencyRecord record,
            std::function<void(const IdempotencyRecord&, Callback<T>)> replay,
            Callback<T> done) {
  auto shared = std::make_shared<IdempotencyRecord>(std::move(record));
  MatchRecord(deps, call, *shared, context.deadline,
              [shared, replay = std::move(replay),
               done = std::move(done)](absl::Status matched) {
                if (!matched.ok()) return done(matched);
                replay(*shared, done);
              });
}

}  // namespace idempotency_internal

template <typename T>
void RunIdempotent(
    const ServiceDeps& deps, const CallContext& context, IdempotentCall call,
    std::function<void(Stores&, const Principal&,
                       std::optional<IdempotencyRecord>, Callback<T>)>
        write,
    std::function<void(const IdempotencyRecord&, Callback<T>)> replay,
    Callback<T> done) {
  deps.pool->Run(
      [&deps, context, call = std::move(call), write = std::move(write),
       replay = std::move(replay),
       done = std::move(done)](Stores* stores, absl::Status status) {
        if (!status.ok()) return done(status);
        const bool idempotent = !call.request_id.empty();
        absl::Status valid = ValidateRequestId(call.request_id);
        absl::StatusOr<Principal> principal = Authenticate(
            stores->credentials, context.bearer_token, deps.principal_cache);
        if (!principal.ok()) {
          if (!idempotent || !valid.ok() ||
              !absl::IsUnauthenticated(principal.status()) ||
              context.bearer_token.empty()) {
            return done(principal.status());
          }
          absl::StatusOr<IdempotencyRecord> record =
              stores->sessions.FindIdempotencyRecordOfEndedToken(
                  TokenHash(context.bearer_token), call.request_id);
          if (absl::IsNotFound(record.status())) {
            return done(principal.status());
          }
          if (!record.ok()) return done(record.status());
          return idempotency_internal::Answer<T>(
              deps, call, context, *std::move(record), replay, done);
        }
        if (!idempotent) return write(*stores, *principal, std::nullopt, done);
        if (!valid.ok()) return done(valid);

        IdempotencyRecord fresh =
            NewRecord(call, *principal, context.bearer_token);
        absl::StatusOr<IdempotencyRecord> recorded =
            stores->sessions.FindIdempotencyRecord(fresh.key);
        if (recorded.ok()) {
          return idempotency_internal::Answer<T>(
              deps, call, context, *std::move(recorded), replay, done);
        }
        if (!absl::IsNotFound(recorded.status())) {
          return done(recorded.status());
        }
        // A write that loses a race with a concurrent duplicate is answered
        // from the duplicate's record, looked up on a worker again.
        IdempotencyKey key = fresh.key;
        Callback<T> answer_duplicate = [&deps, context, call, key, replay,
                                        done](absl::StatusOr<T> result) {
          if (result.ok() || !MayBeRecordedDuplicate(result.status())) {
            return done(std::move(result));
          }
          absl::Status failure = result.status();
          deps.pool->Run(
              [&deps, context, call, key, replay, done, failure](
                  Stores* stores, const absl::Status& status) {
                if (!status.ok()) return done(failure);
                absl::StatusOr<IdempotencyRecord> record =
                    stores->sessions.FindIdempotencyRecord(key);
                if (!record.ok()) return done(failure);
                idempotency_internal::Answer<T>(
                    deps, call, context, *std::move(record), replay, done);
              },
              context.deadline);
        };
        write(*stores, *principal, std::move(fresh),
              std::move(answer_duplicate));
      },
      context.deadline);
}

}  // namespace users

#endif  // USERS_SERVICES_USERS_IDEMPOTENCY_H_
