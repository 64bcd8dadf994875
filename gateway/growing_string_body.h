#ifndef USERS_GATEWAY_GROWING_STRING_BODY_H_
#define USERS_GATEWAY_GROWING_STRING_BODY_H_

#include <cstdint>
#include <string>

#include "boost/beast/core/buffers_range.hpp"
#include "boost/beast/core/error.hpp"
#include "boost/beast/http/message.hpp"
#include "boost/optional.hpp"

namespace users::gateway {

// A Beast request body held in a std::string, like http::string_body, except
// that its storage grows with the bytes that arrive instead of being reserved
// from the announced Content-Length: a client that announces 64 KiB and
// sends one byte costs a few bytes, not 64 KiB. The parser's body_limit still
// caps the total (413). Reading only: responses use http::string_body.
struct GrowingStringBody {
  using value_type = std::string;

  static std::uint64_t size(const value_type& body) { return body.size(); }

  // Beast's Body concept names it.
  class reader {  // NOLINT(readability-identifier-naming)
   public:
    template <bool kIsRequest, class Fields>
    reader(boost::beast::http::header<kIsRequest, Fields>&, value_type& body)
        : body_(body) {}

    // Nothing is reserved: the length is only announced.
    void init(const boost::optional<std::uint64_t>&,
              boost::beast::error_code& error) {
      error = {};
    }

    template <class ConstBufferSequence>
    std::size_t put(const ConstBufferSequence& buffers,
                    boost::beast::error_code& error) {
      std::size_t added = 0;
      for (const auto buffer : boost::beast::buffers_range_ref(buffers)) {
        body_.append(static_cast<const char*>(buffer.data()), buffer.size());
        added += buffer.size();
      }
      error = {};
      return added;
    }

    void finish(boost::beast::error_code& error) { error = {}; }

   private:
    value_type& body_;
  };
};

}  // namespace users::gateway

#endif  // USERS_GATEWAY_GROWING_STRING_BODY_H_
