#include "services/metrics/text_exposition.h"

#include <charconv>
#include <cmath>

namespace users::metrics {
namespace {

bool IsNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

void TextExpositionWriter::WriteHeader(std::string_view name,
                                       std::string_view help,
                                       std::string_view type) {
  out_.append("# HELP ").append(name).append(" ");
  out_.append(EscapeHelp(help)).append("\n");
  out_.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void TextExpositionWriter::WriteSeries(
    std::string_view name, const std::vector<std::string>& label_names,
    const std::vector<std::string>& label_values, std::string_view extra_name,
    std::string_view extra_value) {
  out_.append(name);
  if (label_names.empty() && extra_name.empty()) return;
  out_.push_back('{');
  bool first = true;
  for (size_t i = 0; i < label_names.size() && i < label_values.size(); ++i) {
    if (!first) out_.push_back(',');
    first = false;
    out_.append(label_names[i]).append("=\"");
    out_.append(EscapeLabelValue(label_values[i])).push_back('"');
  }
  if (!extra_name.empty()) {
    if (!first) out_.push_back(',');
    out_.append(extra_name).append("=\"");
    out_.append(EscapeLabelValue(extra_value)).push_back('"');
  }
  out_.push_back('}');
}

void TextExpositionWriter::WriteSample(
    std::string_view name, const std::vector<std::string>& label_names,
    const std::vector<std::string>& label_values, std::string_view extra_name,
    std::string_view extra_value, double value) {
  WriteSeries(name, label_names, label_values, extra_name, extra_value);
  out_.push_back(' ');
  out_.append(FormatValue(value)).push_back('\n');
}

void TextExpositionWriter::WriteSample(
    std::string_view name, const std::vector<std::string>& label_names,
    const std::vector<std::string>& label_values, std::string_view extra_name,
    std::string_view extra_value, uint64_t value) {
  WriteSeries(name, label_names, label_values, extra_name, extra_value);
  out_.push_back(' ');
  out_.append(std::to_string(value)).push_back('\n');
}

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\':
        out.append("\\\\");
        break;
      case '"':
        out.append("\\\"");
        break;
      case '\n':
        out.append("\\n");
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string EscapeHelp(std::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    if (c == '\\') {
      out.append("\\\\");
    } else if (c == '\n') {
      out.append("\\n");
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[32];
  std::to_chars_result result =
      std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, result.ptr);
}

bool IsValidMetricName(std::string_view name) {
  if (name.empty() || !(IsNameStart(name[0]) || name[0] == ':')) return false;
  for (char c : name) {
    if (!(IsNameStart(c) || IsDigit(c) || c == ':')) return false;
  }
  return true;
}

bool IsValidLabelName(std::string_view name) {
  if (name.empty() || !IsNameStart(name[0])) return false;
  if (name.size() >= 2 && name[0] == '_' && name[1] == '_') return false;
  for (char c : name) {
    if (!(IsNameStart(c) || IsDigit(c))) return false;
  }
  return true;
}

}  // namespace users::metrics
