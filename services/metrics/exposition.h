#ifndef USERS_SERVICES_METRICS_EXPOSITION_H_
#define USERS_SERVICES_METRICS_EXPOSITION_H_

// What GET /metrics answers: prometheus-cpp's collectables (a
// prometheus::Registry, CallbackGauges) in the Prometheus text format 0.0.4.
//
// The metric types, families and the text serializer are prometheus-cpp's
// (Debian 12's prometheus-cpp-dev, core library only); services/metrics/
// adds what it lacks for our two processes: gauges read at scrape time
// (callback_gauges.h), label children resolved once (cached_child.h), a
// stable order of the text, build information (build_info.h) and the admin
// HTTP listener (admin_http_server.h).

#include <string>
#include <string_view>
#include <vector>

#include "prometheus/collectable.h"

namespace users::metrics {

// The Content-Type of RenderExposition's text.
inline constexpr std::string_view kExpositionContentType =
    "text/plain; version=0.0.4; charset=utf-8";

// Collects every collectable and serializes the result with
// prometheus::TextSerializer, families sorted by name and series by their
// labels, so that equal states render equal text (prometheus-cpp itself
// keeps series in hash order). Thread-safe as far as the collectables are
// (prometheus-cpp's are).
//
// Help texts must be one line without backslashes: prometheus-cpp 1.0.1
// writes them unescaped.
std::string RenderExposition(
    const std::vector<const prometheus::Collectable*>& collectables);

}  // namespace users::metrics

#endif  // USERS_SERVICES_METRICS_EXPOSITION_H_
