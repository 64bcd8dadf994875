#ifndef USERS_SERVICES_USERS_IDENTIFIER_RULES_H_
#define USERS_SERVICES_USERS_IDENTIFIER_RULES_H_

#include <string>

#include "absl/strings/string_view.h"

namespace users {

// What identifiers may contain (RFC 8265 PRECIS, Unicode UTS #39), decided
// with ICU rather than tables of our own.

// The NFC form of `text`: the form in which usernames and email addresses
// are stored and returned, and in which passwords are hashed (RFC 8265
// OpaqueString). Text that is not valid UTF-8 is returned unchanged.
std::string NfcNormalize(absl::string_view text);

// The longest NFKC_Casefold form of a username, in code points. Folding can
// multiply a name's length (U+FDFA becomes 18 letters); the bound keeps the
// key well inside what a database index entry may hold.
inline constexpr int kUsernameKeyMax = 360;

// Why a username is refused.
enum class UsernameFlaw {
  kNone,
  kInvalidUtf8,
  kControlCharacter,  // general category Cc (C0, DEL, C1)
  kBidiControl,       // U+061C, U+200E/F, U+202A–U+202E, U+2066–U+2069
  kDefaultIgnorable,  // invisible: U+00AD, U+200B, U+2060, U+FEFF, ...
  kAtSign,            // '@' in any width: a username never reads as an email
  kMixedScripts,      // fails ICU's spoof checker (restriction level
                      // "moderately restrictive", or mixed digit systems)
  kKeyTooLong,        // its NFKC_Casefold form exceeds kUsernameKeyMax
};

// The first flaw of `username`, checked in its NFC form, or kNone. Single
// script names pass in any script ("админ", "日本語"); Latin may be mixed
// with one other script except Cyrillic, Greek and Cherokee, whose letters
// imitate Latin ones ("аdmin" with a Cyrillic "а" is refused).
UsernameFlaw FindUsernameFlaw(absl::string_view username);

// True when `text` contains a default-ignorable code point (bidi controls
// included). False for text that is not valid UTF-8.
bool HasDefaultIgnorable(absl::string_view text);

}  // namespace users

#endif  // USERS_SERVICES_USERS_IDENTIFIER_RULES_H_
