#include "client/read_target.hpp"

#include <charconv>

#include "client/measurement_catalog.hpp"

namespace dlmsgw::client {
namespace {

Expected<long> parse_number(std::string_view text, std::string_view what, long min, long max) {
  long value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || value < min || value > max) {
    return make_error(ErrorCode::invalid_argument, std::string(what) + " '" + std::string(text) +
                                                       "': use " + std::to_string(min) + ".." +
                                                       std::to_string(max));
  }
  return value;
}

}  // namespace

std::uint16_t default_class_for(const ObisCode& obis) {
  if (obis.c() == 1 && obis.d() == 0 && obis.e() == 0) return 8;
  if (obis.a() >= 1 && obis.c() >= 1 && obis.c() <= 92 && obis.d() >= 1 && obis.d() <= 29) {
    return 3;
  }
  return 1;
}

Expected<ReadTarget> parse_read_target(std::string_view text, std::uint8_t b_field) {
  if (auto measurement = find_measurement(text)) {
    return ReadTarget{std::string(text), descriptor_for(*measurement, b_field), false};
  }
  // OBIS codes contain one ':' (A-B:C.D.E); further ':' separate class and attribute.
  const auto first = text.find(':');
  const auto second = first == std::string_view::npos ? first : text.find(':', first + 1);
  const std::string_view obis_text = text.substr(0, second);
  auto obis = ObisCode::parse(obis_text);
  if (!obis) {
    return make_error(ErrorCode::invalid_argument,
                      "target '" + std::string(text) +
                          "': neither a measurement name nor OBIS[:class[:attribute]] (" +
                          obis.error().message + ")");
  }
  ReadTarget target{obis->to_string(), {default_class_for(*obis), *obis, 2}, true};
  if (second == std::string_view::npos) return target;
  std::string_view rest = text.substr(second + 1);
  const auto third = rest.find(':');
  const auto context = [&](const Error& error) {
    return error.with_context("target '" + std::string(text) + "'");
  };
  auto class_id = parse_number(rest.substr(0, third), "class", 0, 0xFFFF);
  if (!class_id) return context(class_id.error());
  target.attribute.class_id = static_cast<std::uint16_t>(*class_id);
  target.class_defaulted = false;
  if (third != std::string_view::npos) {
    auto attribute = parse_number(rest.substr(third + 1), "attribute", -128, 127);
    if (!attribute) return context(attribute.error());
    target.attribute.attribute_id = static_cast<std::int8_t>(*attribute);
  }
  return target;
}

}  // namespace dlmsgw::client
