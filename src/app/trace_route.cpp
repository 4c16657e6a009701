#include "app/trace_route.hpp"

namespace dlmsgw::app {
namespace {

observability::HttpResponse answer(int status, std::string body) {
  observability::HttpResponse response;
  response.status = status;
  response.body = std::move(body) + "\n";
  return response;
}

}  // namespace

std::optional<observability::HttpResponse> route_trace(const observability::HttpRequest& request,
                                                       const DlmsConnectorList& running) {
  if (request.path != "/trace") return std::nullopt;
  if (request.method != "POST") {
    auto response = answer(405, "method not allowed: use POST /trace?meter=NAME&enabled=1");
    response.headers.emplace_back("Allow", "POST");
    return response;
  }
  const auto meter = request.query_parameter("meter");
  const auto enabled = request.query_parameter("enabled");
  if (!meter || meter->empty() || !enabled) {
    return answer(400, "bad request: use POST /trace?meter=NAME&enabled=1 (or enabled=0)");
  }
  bool on = false;
  if (*enabled == "1" || *enabled == "true") {
    on = true;
  } else if (*enabled != "0" && *enabled != "false") {
    return answer(400, "bad request: enabled must be 1, 0, true or false");
  }
  const auto list = running ? running() : std::vector<connectors::dlms::DlmsConnector*>{};
  for (auto* connector : list) {
    if (connector->set_trace(*meter, on)) {
      return answer(
          200, std::string("frame trace ") + (on ? "on" : "off") + " for meter '" + *meter + "'");
    }
  }
  return answer(404, "no meter '" + *meter + "'");
}

}  // namespace dlmsgw::app
