#ifndef USERS_SERVICES_METRICS_TEXT_EXPOSITION_H_
#define USERS_SERVICES_METRICS_TEXT_EXPOSITION_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace users::metrics {

// The Content-Type of what TextExpositionWriter produces.
inline constexpr std::string_view kTextExpositionContentType =
    "text/plain; version=0.0.4; charset=utf-8";

// Builds a Prometheus text exposition (format 0.0.4) line by line:
//
//   # HELP name help text
//   # TYPE name counter
//   name{label="value"} 42
//
// The caller writes each family's header once, then its samples; the writer
// only escapes and formats (it does not sort or check names).
class TextExpositionWriter final {
 public:
  // `type`: counter, gauge, histogram, summary or untyped.
  void WriteHeader(std::string_view name, std::string_view help,
                   std::string_view type);
  // One sample line. `label_values` pairs with `label_names`; `extra_name` /
  // `extra_value`, when extra_name is not empty, are appended as a last label
  // (a histogram's `le`).
  void WriteSample(std::string_view name,
                   const std::vector<std::string>& label_names,
                   const std::vector<std::string>& label_values,
                   std::string_view extra_name, std::string_view extra_value,
                   double value);
  void WriteSample(std::string_view name,
                   const std::vector<std::string>& label_names,
                   const std::vector<std::string>& label_values,
                   std::string_view extra_name, std::string_view extra_value,
                   uint64_t value);

  const std::string& text() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  void WriteSeries(std::string_view name,
                   const std::vector<std::string>& label_names,
                   const std::vector<std::string>& label_values,
                   std::string_view extra_name, std::string_view extra_value);

  std::string out_;
};

// A label value with \ " and newline escaped (\\ \" \n).
std::string EscapeLabelValue(std::string_view value);
// HELP text with \ and newline escaped (\\ \n); quotes stay.
std::string EscapeHelp(std::string_view help);
// A sample value or bucket bound as Prometheus writes it: the shortest text
// that reads back to the same double, "+Inf", "-Inf" or "NaN".
std::string FormatValue(double value);

// Names: metrics match [a-zA-Z_:][a-zA-Z0-9_:]*, labels [a-zA-Z_][a-zA-Z0-9_]*
// and do not start with "__" (reserved).
bool IsValidMetricName(std::string_view name);
bool IsValidLabelName(std::string_view name);

}  // namespace users::metrics

#endif  // USERS_SERVICES_METRICS_TEXT_EXPOSITION_H_
