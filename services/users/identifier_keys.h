#ifndef USERS_SERVICES_USERS_IDENTIFIER_KEYS_H_
#define USERS_SERVICES_USERS_IDENTIFIER_KEYS_H_

#include <string>

#include "absl/strings/string_view.h"

namespace users {

// The key under which a username or email address is unique within a project,
// is looked up at login and is counted by login throttling: two identifiers
// that a person would read as the same have the same key.
//
// The key is the identifier's NFKC_Casefold form (Unicode, as computed by
// ICU): case, width and compatibility forms are folded and default-ignorable
// code points dropped, so "ＡＮＮ", "Ann" and "ann" share the key "ann", and
// the NFC and NFD spellings of "José" share one. Text that is not valid UTF-8
// is returned unchanged (validation refuses it before any key is stored or
// looked up).
std::string IdentifierKey(absl::string_view identifier);

}  // namespace users

#endif  // USERS_SERVICES_USERS_IDENTIFIER_KEYS_H_
