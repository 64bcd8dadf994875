#include "services/users/identifier_rules.h"

#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/stringpiece.h>
#include <unicode/uchar.h>
#include <unicode/uspoof.h>
#include <unicode/utf8.h>

#include <cstdint>

#include "services/users/identifier_keys.h"
#include "services/users/text_checks.h"

namespace users {
namespace {

// Configured once; ICU allows concurrent checks on a configured checker.
// Null when ICU could not open one: every non-ASCII name then fails.
const USpoofChecker* SpoofChecker() {
  static const USpoofChecker* const kChecker = [] {
    UErrorCode error = U_ZERO_ERROR;
    USpoofChecker* opened = uspoof_open(&error);
    uspoof_setRestrictionLevel(opened, USPOOF_MODERATELY_RESTRICTIVE);
    uspoof_setChecks(opened, USPOOF_RESTRICTION_LEVEL | USPOOF_MIXED_NUMBERS,
                     &error);
    if (U_FAILURE(error)) {
      uspoof_close(opened);
      return static_cast<USpoofChecker*>(nullptr);
    }
    return opened;
  }();
  return kChecker;
}

bool IsAscii(absl::string_view text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

bool PassesSpoofChecks(absl::string_view text) {
  if (IsAscii(text)) return true;  // one script, one digit system
  const USpoofChecker* checker = SpoofChecker();
  if (checker == nullptr) return false;
  UErrorCode error = U_ZERO_ERROR;
  int32_t failed = uspoof_checkUTF8(
      checker, text.data(), static_cast<int32_t>(text.size()), nullptr, &error);
  return U_SUCCESS(error) && failed == 0;
}

// Calls `visit` with each code point of valid UTF-8 `text` until it returns
// false; returns whether every call returned true.
template <typename Visit>
bool EveryCodePoint(absl::string_view text, Visit visit) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  const int32_t length = static_cast<int32_t>(text.size());
  for (int32_t i = 0; i < length;) {
    UChar32 c;
    U8_NEXT(bytes, i, length, c);
    if (c < 0 || !visit(c)) return false;
  }
  return true;
}

}  // namespace

std::string NfcNormalize(absl::string_view text) {
  if (!CountCodePoints(text).has_value()) return std::string(text);
  UErrorCode error = U_ZERO_ERROR;
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(error);
  if (U_FAILURE(error)) return std::string(text);
  const icu::StringPiece piece(text.data(), static_cast<int32_t>(text.size()));
  if (nfc->isNormalizedUTF8(piece, error) && U_SUCCESS(error)) {
    return std::string(text);
  }
  std::string normalized;
  icu::StringByteSink<std::string> sink(&normalized);
  error = U_ZERO_ERROR;
  nfc->normalizeUTF8(0, piece, sink, nullptr, error);
  if (U_FAILURE(error)) return std::string(text);
  return normalized;
}

UsernameFlaw FindUsernameFlaw(absl::string_view username) {
  if (!CountCodePoints(username).has_value()) return UsernameFlaw::kInvalidUtf8;
  const std::string nfc = NfcNormalize(username);
  UsernameFlaw flaw = UsernameFlaw::kNone;
  EveryCodePoint(nfc, [&flaw](UChar32 c) {
    if (u_charType(c) == U_CONTROL_CHAR) {
      flaw = UsernameFlaw::kControlCharacter;
    } else if (u_hasBinaryProperty(c, UCHAR_BIDI_CONTROL)) {
      flaw = UsernameFlaw::kBidiControl;
    } else if (u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT)) {
      flaw = UsernameFlaw::kDefaultIgnorable;
    }
    return flaw == UsernameFlaw::kNone;
  });
  if (flaw != UsernameFlaw::kNone) return flaw;
  // The key folds the fullwidth and small forms of '@' into '@'.
  const std::string key = IdentifierKey(nfc);
  if (key.find('@') != std::string::npos) return UsernameFlaw::kAtSign;
  if (!PassesSpoofChecks(nfc)) return UsernameFlaw::kMixedScripts;
  if (CountCodePoints(key).value_or(0) > kUsernameKeyMax) {
    return UsernameFlaw::kKeyTooLong;
  }
  return UsernameFlaw::kNone;
}

bool HasDefaultIgnorable(absl::string_view text) {
  if (!CountCodePoints(text).has_value()) return false;
  return !EveryCodePoint(text, [](UChar32 c) {
    return !u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT);
  });
}

}  // namespace users
