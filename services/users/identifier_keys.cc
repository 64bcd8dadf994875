#include "services/users/identifier_keys.h"

#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/stringpiece.h>

#include "services/users/text_checks.h"

namespace users {

std::string IdentifierKey(absl::string_view identifier) {
  if (!CountCodePoints(identifier).has_value()) return std::string(identifier);
  UErrorCode error = U_ZERO_ERROR;
  const icu::Normalizer2* casefold =
      icu::Normalizer2::getNFKCCasefoldInstance(error);
  if (U_FAILURE(error)) return std::string(identifier);
  std::string key;
  icu::StringByteSink<std::string> sink(&key);
  casefold->normalizeUTF8(
      0,
      icu::StringPiece(identifier.data(),
                       static_cast<int32_t>(identifier.size())),
      sink, nullptr, error);
  if (U_FAILURE(error)) return std::string(identifier);
  return key;
}

}  // namespace users
