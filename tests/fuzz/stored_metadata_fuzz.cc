// The reader of stored metadata (storage/user_fields.h, the metadata row)
// on arbitrary text in place of PostgreSQL's jsonb output.
//
// Input: the text. The reader either fills a Struct or throws
// std::runtime_error; anything else is a bug. What it reads, a request
// could carry. Every strict JSON object that protobuf's own JSON parser
// (which it replaced) reads and a request could carry, it reads too, to the
// same Struct. (The converse does not hold and is not asserted: protobuf
// refuses duplicate keys, which PostgreSQL's jsonb never writes.)

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "nlohmann/json.hpp"
#include "storage/user_fields.h"
#include "users/v1/user.pb.h"
#include "users/v1/user_service.pb.h"

namespace {

// Whether protobuf's parser takes `metadata` in a request (it refuses
// messages nested more than 100 deep).
bool RequestCarries(const google::protobuf::Struct& metadata) {
  users::v1::UpdateUserRequest request;
  *request.mutable_user()->mutable_metadata() = metadata;
  users::v1::UpdateUserRequest parsed;
  return parsed.ParseFromString(request.SerializeAsString());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const users::UserField& field =
      users::kUserFields[static_cast<int>(users::UserColumn::kMetadata)];
  users::StoredCell cell{false, text};
  users::v1::User user;
  bool read = true;
  try {
    field.read(&cell, user);
  } catch (const std::runtime_error&) {
    read = false;
  }
  if (read && !RequestCarries(user.metadata())) __builtin_trap();
  google::protobuf::Struct expected;
  // Strict JSON only: protobuf also takes single quotes, bare keys and
  // trailing commas, which PostgreSQL never writes.
  const bool protobuf_reads =
      nlohmann::json::accept(text) &&
      google::protobuf::util::JsonStringToMessage(text, &expected).ok() &&
      RequestCarries(expected);
  if (protobuf_reads &&
      (!read || !google::protobuf::util::MessageDifferencer::Equals(
                    user.metadata(), expected))) {
    __builtin_trap();
  }
  return 0;
}
