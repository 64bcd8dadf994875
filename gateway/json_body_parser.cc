#include "gateway/json_body_parser.h"

#include <string>
#include <vector>

#include "gateway/string_util.h"

namespace users::gateway {
namespace {

using json = nlohmann::json;

// Builds the DOM like nlohmann's own SAX DOM parser, and stops at the first
// duplicate key or at a nesting deeper than the limit.
class StrictDomBuilder final : public nlohmann::json_sax<json> {
 public:
  bool null() override { return Put(json(nullptr)); }
  bool boolean(bool value) override { return Put(json(value)); }
  bool number_integer(number_integer_t value) override {
    return Put(json(value));
  }
  bool number_unsigned(number_unsigned_t value) override {
    return Put(json(value));
  }
  bool number_float(number_float_t value, const string_t&) override {
    return Put(json(value));
  }
  bool string(string_t& value) override { return Put(json(std::move(value))); }
  bool binary(binary_t&) override {
    error_ = "binary values are not JSON";
    return false;
  }
  bool start_object(std::size_t) override { return Open(json::object()); }
  bool key(string_t& value) override {
    json* object = stack_.back();
    if (object->contains(value)) {
      error_ = Cat("duplicate key \"", value, "\"");
      return false;
    }
    pending_key_ = std::move(value);
    return true;
  }
  bool end_object() override {
    stack_.pop_back();
    return true;
  }
  bool start_array(std::size_t) override { return Open(json::array()); }
  bool end_array() override {
    stack_.pop_back();
    return true;
  }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& ex) override {
    if (error_.empty()) {
      // nlohmann reports ill-formed UTF-8 as a lexer error naming it.
      std::string what = ex.what();
      if (what.find("UTF-8") != std::string::npos ||
          what.find("utf-8") != std::string::npos) {
        error_ = Cat("invalid UTF-8 at byte ", position);
      } else {
        error_ = Cat("malformed JSON at byte ", position);
      }
    }
    return false;
  }

  json& root() { return root_; }
  const std::string& error() const { return error_; }

 private:
  json* Insert(json value) {
    if (stack_.empty()) {
      root_ = std::move(value);
      return &root_;
    }
    json* parent = stack_.back();
    if (parent->is_array()) {
      parent->push_back(std::move(value));
      return &parent->back();
    }
    json& slot = (*parent)[pending_key_];
    slot = std::move(value);
    return &slot;
  }
  bool Put(json value) {
    Insert(std::move(value));
    return true;
  }
  bool Open(json container) {
    if (static_cast<int>(stack_.size()) >= JsonBodyParser::kMaxDepth) {
      error_ = Cat("nesting deeper than ", JsonBodyParser::kMaxDepth);
      return false;
    }
    stack_.push_back(Insert(std::move(container)));
    return true;
  }

  json root_;
  std::vector<json*> stack_;
  std::string pending_key_;
  std::string error_;
};

}  // namespace

absl::StatusOr<nlohmann::json> JsonBodyParser::Parse(std::string_view body) {
  StrictDomBuilder builder;
  bool ok = json::sax_parse(body.begin(), body.end(), &builder,
                            json::input_format_t::json, /*strict=*/true);
  if (!ok || !builder.error().empty()) {
    std::string error = builder.error();
    if (error.empty()) error = "malformed JSON";
    return absl::InvalidArgumentError(error);
  }
  if (!builder.root().is_object()) {
    return absl::InvalidArgumentError("body is not a JSON object");
  }
  return std::move(builder.root());
}

}  // namespace users::gateway
