#ifndef USERS_SERVICES_USERS_TEXT_CHECKS_H_
#define USERS_SERVICES_USERS_TEXT_CHECKS_H_

#include <cstddef>
#include <optional>

#include "absl/strings/string_view.h"

namespace users {

// The number of Unicode code points in `text`, or nullopt when `text` is not
// valid UTF-8 (overlong forms, surrogates and values above U+10FFFF are
// invalid).
std::optional<size_t> CountCodePoints(absl::string_view text);

// True when `text` contains NUL or another C0/C1 control character or DEL.
// With `allow_newlines`, '\n', '\r' and '\t' are allowed (multi-line text).
bool HasControlCharacters(absl::string_view text, bool allow_newlines);

// The longest prefix of `text` that is at most `max_bytes` long and valid
// UTF-8: cut before the first character that does not fit whole, or before
// the first byte that is not valid UTF-8.
absl::string_view TruncateUtf8(absl::string_view text, size_t max_bytes);

}  // namespace users

#endif  // USERS_SERVICES_USERS_TEXT_CHECKS_H_
