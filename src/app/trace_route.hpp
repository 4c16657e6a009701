#pragma once
// POST /trace?meter=NAME&enabled=1 on the health endpoint: frame tracing of one meter on (1, true)
// or off (0, false) while the gateway runs, the same switch as the meter's "trace" RPC.
// Any local user can reach the endpoint, so the switch needs "Authorization: Bearer TOKEN" with
// the token of health.traceTokenFile; without a configured token POST /trace is off (403). A web
// page cannot send that header to another origin without a CORS preflight, which is never allowed.
//   200 "frame trace on for meter 'NAME'"   400 bad or missing parameters
//   401 missing or wrong token              403 no token configured
//   404 no meter of that name               405 not a POST
// Other paths fall through (nullopt) to /health and /metrics.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/dlms/dlms_connector.hpp"
#include "observability/http_request.hpp"
#include "observability/http_response.hpp"

namespace dlmsgw::app {

// The DLMS connectors running now (they change on reload).
using DlmsConnectorList = std::function<std::vector<connectors::dlms::DlmsConnector*>()>;

std::optional<observability::HttpResponse> route_trace(const observability::HttpRequest& request,
                                                       const DlmsConnectorList& running,
                                                       const std::string& token);

}  // namespace dlmsgw::app
