#include "connectors/dlms/object_request.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <string>

#include "client/read_target.hpp"
#include "core/text_excerpt.hpp"
#include "gateway/uplink/bounded_json.hpp"

namespace dlmsgw::connectors::dlms {
namespace {

std::string_view kind_name(RpcKind kind) {
  switch (kind) {
    case RpcKind::get:
      return "get";
    case RpcKind::set:
      return "set";
    case RpcKind::action:
      return "action";
  }
  return "get";
}

std::string example(RpcKind kind) {
  switch (kind) {
    case RpcKind::set:
      return R"("obis=1-1:32.7.0;classId=3;attribute=2;value=230;type=long-unsigned" or )"
             R"({"obis":"1-1:32.7.0","classId":3,"attribute":2,"value":230,"type":"long-unsigned"})";
    case RpcKind::action:
      return R"("obis=0-0:96.3.10;classId=70;method=1;value=0;type=integer" or )"
             R"({"obis":"0-0:96.3.10","classId":70,"method":1,"value":0,"type":"integer"})";
    case RpcKind::get:
      break;
  }
  return R"("obis=1-1:32.7.0;classId=3;attribute=2" or {"obis":"1-1:32.7.0","classId":3,"attribute":2})";
}

Error param_error(RpcKind kind, const std::string& message) {
  return make_error(ErrorCode::invalid_argument, std::string(kind_name(kind)) + " params: " +
                                                     message + "; expected e.g. " + example(kind));
}

std::string_view trim(std::string_view text) {
  const auto space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  return text;
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// The canonical name of a param key, or empty when unknown. "classId", "class_id", "CLASSID" and
// "class" are the same key; so are "attribute"/"attribute_id" and "method"/"method_id" (the
// spelling of the configured rpc[] entries).
std::string canonical_key(std::string_view key) {
  std::string folded;
  for (const char c : lower(trim(key))) {
    if (c != '_' && c != '-') folded += c;
  }
  if (folded == "obis") return "obis";
  if (folded == "classid" || folded == "class") return "classId";
  if (folded == "attribute" || folded == "attributeid") return "attribute";
  if (folded == "method" || folded == "methodid") return "method";
  if (folded == "value") return "value";
  if (folded == "type") return "type";
  return {};
}

using Params = std::map<std::string, nlohmann::json>;

Expected<void> add_param(RpcKind kind, Params& params, std::string_view key, nlohmann::json value) {
  const std::string name = canonical_key(key);
  if (name.empty()) {
    return param_error(kind, "unknown param '" + std::string(trim(key)) +
                                 "' (known: obis, classId, attribute, method, value, type)");
  }
  if (!params.emplace(name, std::move(value)).second) {
    return param_error(kind, name + " is given twice");
  }
  return {};
}

Expected<Params> split_string_form(RpcKind kind, std::string_view text) {
  Params params;
  while (!text.empty()) {
    const auto end = text.find(';');
    const std::string_view segment = trim(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    if (segment.empty()) continue;
    const auto equals = segment.find('=');
    if (equals == std::string_view::npos) {
      return param_error(kind, "'" + excerpt(segment) + "' is not key=value");
    }
    const std::string_view key = segment.substr(0, equals);
    const std::string_view raw = trim(segment.substr(equals + 1));
    nlohmann::json value = std::string(raw);
    if (canonical_key(key) == "value") {
      // From the platform: bounded like the message that carried it (a string may hold
      // 100,000 nested arrays).
      if (auto parsed = gateway::parse_bounded_json(raw)) value = std::move(*parsed);
    }
    DLMSGW_TRY(add_param(kind, params, key, std::move(value)));
  }
  return params;
}

Expected<Params> collect(RpcKind kind, const nlohmann::json& params) {
  if (params.is_string()) {
    const std::string_view text = trim(params.get_ref<const std::string&>());
    // A JSON object sent as a string (some dashboards stringify params).
    if (!text.empty() && text.front() == '{') {
      auto parsed = gateway::parse_bounded_json(text);
      if (parsed && parsed->is_object()) return collect(kind, *parsed);
      return param_error(kind, "params look like JSON but do not parse" +
                                   (parsed ? std::string() : ": " + parsed.error().message));
    }
    return split_string_form(kind, text);
  }
  if (params.is_object()) {
    Params out;
    for (const auto& [key, value] : params.items()) {
      DLMSGW_TRY(add_param(kind, out, key, value));
    }
    return out;
  }
  if (params.is_null()) return param_error(kind, "missing");
  return param_error(kind, "must be a string or an object, got " + excerpt(params.dump()));
}

Expected<std::int64_t> integer_param(RpcKind kind, const std::string& name,
                                     const nlohmann::json& value) {
  if (value.is_number_unsigned()) {
    const auto number = value.get<std::uint64_t>();
    if (number > static_cast<std::uint64_t>(INT64_MAX)) {
      return param_error(kind, name + ": " + value.dump() + " is out of range");
    }
    return static_cast<std::int64_t>(number);
  }
  if (value.is_number_integer()) return value.get<std::int64_t>();
  if (value.is_string()) {
    const std::string_view text = trim(value.get_ref<const std::string&>());
    std::int64_t number = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (error == std::errc() && end == text.data() + text.size() && !text.empty()) return number;
  }
  return param_error(kind, name + ": " + excerpt(value.dump()) + " is not an integer");
}

Expected<std::int8_t> id_param(RpcKind kind, const std::string& name, const nlohmann::json& value) {
  DLMSGW_TRY_ASSIGN(const std::int64_t id, integer_param(kind, name, value));
  if (id < -128 || id > 127 || id == 0) {
    return param_error(kind,
                       name + ": " + std::to_string(id) +
                           " is out of range (1..127, or negative for manufacturer-specific)");
  }
  return static_cast<std::int8_t>(id);
}

std::string type_names() {
  std::string names;
  for (int tag = 0; tag <= 255; ++tag) {
    if (auto type = axdr::data_type_from_tag(static_cast<std::uint8_t>(tag))) {
      if (!names.empty()) names += ", ";
      names += axdr::to_string(*type);
    }
  }
  return names;
}

}  // namespace

std::optional<axdr::DataType> parse_data_type_name(std::string_view name) {
  std::string wanted = lower(trim(name));
  std::replace(wanted.begin(), wanted.end(), '_', '-');
  if (wanted == "enumerated") wanted = "enum";
  if (wanted == "long-integer") wanted = "long";
  if (wanted == "unsigned-integer") wanted = "unsigned";
  if (wanted == "null") wanted = "null-data";
  for (int tag = 0; tag <= 255; ++tag) {
    if (auto type = axdr::data_type_from_tag(static_cast<std::uint8_t>(tag))) {
      if (axdr::to_string(*type) == wanted) return type;
    }
  }
  return std::nullopt;
}

Expected<ObjectRequest> parse_object_request(RpcKind kind, const nlohmann::json& params) {
  DLMSGW_TRY_ASSIGN(const Params given, collect(kind, params));
  const auto find = [&given](const std::string& name) -> const nlohmann::json* {
    const auto found = given.find(name);
    return found == given.end() ? nullptr : &found->second;
  };

  ObjectRequest request;
  request.kind = kind;

  const nlohmann::json* obis = find("obis");
  if (obis == nullptr) return param_error(kind, "obis is missing");
  if (!obis->is_string())
    return param_error(kind, "obis: " + excerpt(obis->dump()) + " is not a string");
  auto code = ObisCode::parse(obis->get_ref<const std::string&>());
  if (!code) return param_error(kind, "obis: " + code.error().message);
  request.obis = *code;

  if (const nlohmann::json* class_id = find("classId")) {
    DLMSGW_TRY_ASSIGN(const std::int64_t number, integer_param(kind, "classId", *class_id));
    if (number < 0 || number > 65535) {
      return param_error(kind,
                         "classId: " + std::to_string(number) + " is out of range (0..65535)");
    }
    request.class_id = static_cast<std::uint16_t>(number);
  } else {
    request.class_id = client::default_class_for(request.obis);
  }

  const bool action = kind == RpcKind::action;
  const std::string id_name = action ? "method" : "attribute";
  const std::string other_name = action ? "attribute" : "method";
  if (find(other_name) != nullptr) {
    return param_error(kind, std::string(action                 ? "an action"
                                         : kind == RpcKind::set ? "a set"
                                                                : "a get") +
                                 " takes " + id_name + "=, not " + other_name + "=");
  }
  if (const nlohmann::json* id = find(id_name)) {
    DLMSGW_TRY_ASSIGN(request.id, id_param(kind, id_name, *id));
  } else {
    request.id = action ? 1 : 2;
  }

  const nlohmann::json* value = find("value");
  const nlohmann::json* type = find("type");
  if (kind == RpcKind::get) {
    if (value != nullptr) return param_error(kind, "value: a get takes no value");
    if (type != nullptr) return param_error(kind, "type: a get takes no type");
    return request;
  }
  if (value != nullptr) {
    request.value = *value;
  } else if (kind == RpcKind::set) {
    return param_error(kind, "value is missing");
  }
  if (type != nullptr) {
    if (!type->is_string())
      return param_error(kind, "type: " + excerpt(type->dump()) + " is not a string");
    auto parsed = parse_data_type_name(type->get_ref<const std::string&>());
    if (!parsed) {
      return param_error(kind, "type: '" + type->get<std::string>() +
                                   "' is not an A-XDR type name (" + type_names() + ")");
    }
    request.type = *parsed;
  }
  return request;
}

}  // namespace dlmsgw::connectors::dlms
