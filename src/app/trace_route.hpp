#pragma once
// POST /trace?meter=NAME&enabled=1 on the health endpoint: frame tracing of one meter on (1, true)
// or off (0, false) while the gateway runs, the same switch as the meter's "trace" RPC.
//   200 "frame trace on for meter 'NAME'"   400 bad or missing parameters
//   404 no meter of that name               405 not a POST
// Other paths fall through (nullopt) to /health and /metrics.

#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "connectors/dlms/dlms_connector.hpp"
#include "observability/http_request.hpp"
#include "observability/http_response.hpp"

namespace dlmsgw::app {

// The DLMS connectors running now (they change on reload).
using DlmsConnectorList = std::function<std::vector<connectors::dlms::DlmsConnector*>()>;

std::optional<observability::HttpResponse> route_trace(const observability::HttpRequest& request,
                                                       const DlmsConnectorList& running);

}  // namespace dlmsgw::app
