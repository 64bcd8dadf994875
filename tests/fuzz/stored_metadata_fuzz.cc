// The reader of stored metadata (storage/user_fields.h, the metadata row)
// on arbitrary text in place of PostgreSQL's jsonb output.
//
// Input: the text. The reader either fills a Struct or throws
// std::runtime_error; anything else is a bug. Where protobuf's own JSON
// parser (which the reader replaced) also reads the text, both must give
// the same Struct.

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "storage/user_fields.h"
#include "users/v1/user.pb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const users::UserField& field =
      users::kUserFields[static_cast<int>(users::UserColumn::kMetadata)];
  users::StoredCell cell{false, text};
  users::v1::User user;
  try {
    field.read(&cell, user);
  } catch (const std::runtime_error&) {
    return 0;
  }
  google::protobuf::Struct expected;
  if (google::protobuf::util::JsonStringToMessage(text, &expected).ok() &&
      !google::protobuf::util::MessageDifferencer::Equals(user.metadata(),
                                                          expected)) {
    __builtin_trap();
  }
  return 0;
}
