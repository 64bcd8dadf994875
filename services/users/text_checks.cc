#include "services/users/text_checks.h"

#include <cstdint>

namespace users {
namespace {

// Decodes one code point at text[i]; returns its length or 0 if invalid.
size_t DecodeOne(absl::string_view text, size_t i, uint32_t* code_point) {
  const auto byte = [&](size_t k) {
    return static_cast<unsigned char>(text[i + k]);
  };
  const unsigned char lead = byte(0);
  size_t length;
  uint32_t value;
  if (lead < 0x80) {
    *code_point = lead;
    return 1;
  } else if ((lead & 0xE0) == 0xC0) {
    length = 2;
    value = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3;
    value = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4;
    value = lead & 0x07;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (size_t k = 1; k < length; ++k) {
    if ((byte(k) & 0xC0) != 0x80) return 0;
    value = (value << 6) | (byte(k) & 0x3F);
  }
  static constexpr uint32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
  if (value < kMinimum[length] || value > 0x10FFFF ||
      (value >= 0xD800 && value <= 0xDFFF)) {
    return 0;
  }
  *code_point = value;
  return length;
}

}  // namespace

std::optional<size_t> CountCodePoints(absl::string_view text) {
  size_t count = 0;
  for (size_t i = 0; i < text.size();) {
    uint32_t code_point;
    size_t length = DecodeOne(text, i, &code_point);
    if (length == 0) return std::nullopt;
    i += length;
    ++count;
  }
  return count;
}

absl::string_view TruncateUtf8(absl::string_view text, size_t max_bytes) {
  size_t end = 0;
  while (end < text.size()) {
    uint32_t code_point;
    size_t length = DecodeOne(text, end, &code_point);
    if (length == 0 || end + length > max_bytes) break;
    end += length;
  }
  return text.substr(0, end);
}

bool HasControlCharacters(absl::string_view text, bool allow_newlines) {
  for (size_t i = 0; i < text.size();) {
    uint32_t code_point;
    size_t length = DecodeOne(text, i, &code_point);
    if (length == 0) return true;  // callers check UTF-8 first
    i += length;
    if (allow_newlines &&
        (code_point == '\n' || code_point == '\r' || code_point == '\t')) {
      continue;
    }
    if (code_point < 0x20 || (code_point >= 0x7F && code_point < 0xA0)) {
      return true;
    }
  }
  return false;
}

}  // namespace users
