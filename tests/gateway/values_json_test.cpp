// values_json writes the document the nlohmann object it replaced gave: checked against that
// object built from the same points, value by value and type by type (a double stays a double).

#include "gateway/values_json.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace dlmsgw::gateway {
namespace {

nlohmann::json values_as_nlohmann_object(const std::vector<DataPoint>& values) {
  nlohmann::json object = nlohmann::json::object();
  for (const auto& point : values) {
    std::visit([&](const auto& value) { object[point.key] = value; }, point.value);
  }
  return object;
}

std::string nlohmann_text(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// The same keys in the same order, each value equal and of the same JSON type. Doubles compare
// exactly: the text must read back as the very double.
void expect_same_values_document(const std::vector<DataPoint>& values) {
  const std::string text = values_json(values);
  const auto written = nlohmann::json::parse(text, nullptr, false);
  ASSERT_FALSE(written.is_discarded()) << text;
  // Parsed back, the tree's text (its strings re-encoded as nlohmann does) is the same text.
  const auto expected = nlohmann::json::parse(nlohmann_text(values_as_nlohmann_object(values)));
  ASSERT_EQ(written.size(), expected.size()) << text;
  auto w = written.begin();
  for (auto e = expected.begin(); e != expected.end(); ++e, ++w) {
    EXPECT_EQ(w.key(), e.key()) << text;
    EXPECT_EQ(w->type(), e->type()) << text << " at " << e.key();
    EXPECT_EQ(*w, *e) << text << " at " << e.key();
  }
}

TEST(ValuesJson, TheSameTextAsTheJsonObjectItReplaced) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<std::vector<DataPoint>> cases{
      {},
      {{"voltage", 230.5}, {"current", 1.25}, {"energy", std::int64_t{123456789}}},
      {{"b", 2.0}, {"a", -0.0}, {"c", 1e21}, {"d", 1e-7}, {"e", 0.1}, {"f", nan}, {"g", -inf}},
      {{"min", std::numeric_limits<std::int64_t>::min()},
       {"max", std::numeric_limits<std::int64_t>::max()},
       {"zero", std::int64_t{0}}},
      {{"on", true}, {"off", false}},
      {{"k", std::int64_t{1}}, {"k", std::string("second")}, {"j", 1.5}, {"k", 3.0}},  // last wins
      {{"quote\"d", std::string("back\\slash")},
       {"tab\tkey", std::string("line\nbreak")},
       {"\x01", std::string("\x7f")}},
      {{"pi", 3.141592653589793},
       {"tiny", 5e-324},
       {"huge", 1.7976931348623157e308},
       {"neg", -273.15},
       {"round", 100.0},
       {"e15", 1e15},
       {"e16", 1e16},
       {"m", -1e-5}},
      {{"Zähler", std::string("Wärme")}, {"bad\xff", std::string("\xc3\x28")}},  // UTF-8, invalid
      {{"", std::string()}, {"Z", 1.0}, {"a", 2.0}, {"\x80", 3.0}},  // byte order, not ASCII case
  };
  for (const auto& values : cases) expect_same_values_document(values);
  // Many values in reverse order and one key twice: 32 in all (the most sorted on the stack), 33
  // and 41 (sorted apart).
  for (const std::size_t count : {31U, 32U, 40U}) {
    std::vector<DataPoint> many;
    for (std::size_t i = count; i-- > 0;) {
      many.push_back({"k" + std::to_string(i), static_cast<double>(i) + 0.5});
    }
    many.push_back({"k7", std::string("last wins")});
    expect_same_values_document(many);
  }
  // Text as before for what meters give; the shortest exact form elsewhere.
  EXPECT_EQ(values_json(cases[2]),
            R"({"a":-0.0,"b":2.0,"c":1e+21,"d":1e-07,"e":0.1,"f":null,"g":null})");
  EXPECT_EQ(values_json({{"small", 0.0001}, {"big", 123456789012.0}, {"third", 1.0 / 3}}),
            R"({"big":123456789012.0,"small":1e-04,"third":0.3333333333333333})");
  std::string out = "{\"ts\":1,\"values\":";
  append_values_json(out, cases[1]);
  EXPECT_EQ(out, R"({"ts":1,"values":{"current":1.25,"energy":123456789,"voltage":230.5})");
}

}  // namespace
}  // namespace dlmsgw::gateway
