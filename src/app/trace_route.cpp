#include "app/trace_route.hpp"

namespace dlmsgw::app {
namespace {

observability::HttpResponse answer(int status, std::string body) {
  observability::HttpResponse response;
  response.status = status;
  response.body = std::move(body) + "\n";
  return response;
}

// Compares without stopping at the first difference: the time taken says nothing about the token.
bool same_secret(std::string_view given, std::string_view expected) {
  unsigned char difference = given.size() == expected.size() ? 0 : 1;
  for (std::size_t i = 0; i < given.size(); ++i) {
    difference |= static_cast<unsigned char>(given[i] ^ expected[i % expected.size()]);
  }
  return difference == 0;
}

}  // namespace

std::optional<observability::HttpResponse> route_trace(const observability::HttpRequest& request,
                                                       const DlmsConnectorList& running,
                                                       const std::string& token) {
  if (request.path != "/trace") return std::nullopt;
  if (request.method != "POST") {
    auto response = answer(405, "method not allowed: use POST /trace?meter=NAME&enabled=1");
    response.headers.emplace_back("Allow", "POST");
    return response;
  }
  if (token.empty()) {
    return answer(403,
                  "forbidden: POST /trace is off (set health.traceTokenFile in tb_gateway.yaml, "
                  "or use the meter's \"trace\" RPC from ThingsBoard)");
  }
  const auto authorization = request.header("Authorization");
  constexpr std::string_view bearer = "Bearer ";
  if (!authorization || !authorization->starts_with(bearer) ||
      !same_secret(authorization->substr(bearer.size()), token)) {
    auto response = answer(401,
                           "unauthorized: send \"Authorization: Bearer <the token in "
                           "health.traceTokenFile>\"");
    response.headers.emplace_back("WWW-Authenticate", "Bearer");
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
