#include "app/profile_command.hpp"

#pragma GCC diagnostic ignored "-Wmismatched-new-delete"  // asio frame allocator, see session.cpp

#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <variant>

#include "app/connection_options.hpp"
#include "client/meter_value.hpp"
#include "connectors/dlms/data_json.hpp"
#include "connectors/dlms/profile_readings.hpp"
#include "dlms/cosem/interface_class.hpp"
#include "dlms/xdlms/profile_buffer.hpp"

namespace dlmsgw::app {
namespace {

struct ProfileOptions {
  CommonOptions common;
  std::string obis;
  std::string from;
  std::string to;
  std::optional<std::uint32_t> last;
  bool csv = false;
};

constexpr std::uint16_t kProfileGenericClass = 7;

std::string utc_text(std::optional<std::int64_t> unix_ms) {
  if (!unix_ms) return "*";
  return cosem::DateTime::from_unix_ms(*unix_ms).to_iso8601();
}

Expected<cosem::DateTime> parse_bound(const std::string& text, const char* flag) {
  auto parsed = connectors::dlms::parse_date_time_text(text);
  if (!parsed) {
    return make_error(ErrorCode::invalid_argument,
                      std::string(flag) + " '" + text +
                          "': not a date-time (use 2026-11-24T14:00:00Z or with an offset, "
                          "+01:00)");
  }
  if (parsed->deviation == cosem::kDeviationNotSpecified) parsed->deviation = 0;  // UTC
  return *parsed;
}

int run_profile(const ProfileOptions& options) {
  auto obis = ObisCode::parse(options.obis);
  if (!obis) {
    std::cerr << "dlmsgw: " << obis.error().message << "\n";
    return 2;
  }
  std::optional<cosem::DateTime> from;
  std::optional<cosem::DateTime> to;
  for (const auto& [text, flag, slot] :
       {std::tuple{&options.from, "--from", &from}, std::tuple{&options.to, "--to", &to}}) {
    if (text->empty()) continue;
    auto bound = parse_bound(*text, flag);
    if (!bound) {
      std::cerr << "dlmsgw: " << bound.error().message << "\n";
      return 2;
    }
    *slot = *bound;
  }
  if (options.last && (from || to)) {
    std::cerr << "dlmsgw: --last selects by entry, --from/--to by time: use one or the other\n";
    return 2;
  }
  return run_session(options.common, [&](client::Session& session) -> asio::awaitable<int> {
    const auto fail = [](const Error& error) {
      std::cerr << "dlmsgw: " << error.message << "\n";
      return 1;
    };
    auto capture = co_await session.get({kProfileGenericClass, *obis, 3});
    if (!capture) co_return fail(capture.error());
    auto columns = xdlms::decode_capture_objects(*capture);
    if (!columns) co_return fail(columns.error());
    auto period = co_await session.get({kProfileGenericClass, *obis, 4});
    const std::uint64_t* seconds = period ? period->as_unsigned() : nullptr;
    // Scalers of the register columns, read once.
    std::vector<std::optional<cosem::ScalerUnit>> scalers(columns->size());
    for (std::size_t i = 0; i < columns->size(); ++i) {
      const auto& column = (*columns)[i];
      const auto attribute =
          cosem::scaler_unit_attribute(static_cast<cosem::InterfaceClass>(column.class_id));
      if (!attribute || column.attribute_index != 2) continue;
      auto data = co_await session.get({column.class_id, column.logical_name, *attribute});
      if (!data) continue;  // printed unscaled
      if (auto decoded = client::decode_scaler_unit(*data)) scalers[i] = *decoded;
    }
    Expected<axdr::Data> buffer = axdr::Data::array({});
    if (options.last) {
      auto in_use = co_await session.get({kProfileGenericClass, *obis, 7});
      if (!in_use) co_return fail(in_use.error());
      const std::uint64_t count = in_use->as_unsigned() ? *in_use->as_unsigned() : 0;
      if (count == 0) {
        buffer = axdr::Data::array({});
      } else {
        const std::uint64_t wanted = std::min<std::uint64_t>(*options.last, count);
        buffer = co_await session.read_profile(
            *obis, xdlms::EntryDescriptor{static_cast<std::uint32_t>(count - wanted + 1),
                                          static_cast<std::uint32_t>(count), 1, 0});
      }
    } else if (from || to) {
      const auto start = from ? *from : cosem::DateTime::from_unix_ms(0);
      const auto end = to ? *to
                          : cosem::DateTime::from_unix_ms(
                                std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count() +
                                86400000);
      buffer = co_await session.read_profile(*obis, xdlms::RangeDescriptor::between(start, end));
    } else {
      buffer = co_await session.get({kProfileGenericClass, *obis, 2});
    }
    if (!buffer) co_return fail(buffer.error());
    auto entries = xdlms::decode_profile_buffer(
        *buffer, *columns,
        {std::nullopt, seconds != nullptr ? static_cast<std::int64_t>(*seconds) * 1000 : 0});
    if (!entries) co_return fail(entries.error());
    const auto clock = xdlms::clock_column(*columns);

    // Named as the connector keys them by default.
    std::vector<std::string> names;
    std::set<std::string> used;
    for (std::size_t i = 0; i < columns->size(); ++i) {
      if (clock && i == *clock) continue;
      names.push_back(connectors::dlms::default_column_key((*columns)[i], used));
    }
    const auto cell = [&](const xdlms::ProfileEntry& entry, std::size_t i) {
      const auto& column = (*columns)[i];
      return client::MeterValue{{column.class_id, column.logical_name, column.attribute_index},
                                entry.values[i],
                                scalers[i]};
    };
    if (options.common.json) {
      nlohmann::json rows = nlohmann::json::array();
      for (const auto& entry : *entries) {
        nlohmann::json row;
        if (entry.unix_ms) row["ts"] = *entry.unix_ms;
        row["time"] = utc_text(entry.unix_ms);
        if (xdlms::clock_status_is_suspect(entry.clock_status)) {
          row["clock_status"] = entry.clock_status;
        }
        std::size_t n = 0;
        for (std::size_t i = 0; i < columns->size(); ++i) {
          if (clock && i == *clock) continue;
          const auto value = cell(entry, i);
          nlohmann::json item{{"value", value.value_text()}};
          if (auto unit = value.unit_symbol(); !unit.empty()) item["unit"] = unit;
          row[names[n++]] = std::move(item);
        }
        rows.push_back(std::move(row));
      }
      std::cout << rows.dump(2) << "\n";
      co_return 0;
    }
    const std::string separator = options.csv ? "," : "  ";
    std::string header = "time";
    for (const auto& name : names) header += separator + name;
    std::cout << header << "\n";
    for (const auto& entry : *entries) {
      std::string line = utc_text(entry.unix_ms);
      for (std::size_t i = 0; i < columns->size(); ++i) {
        if (clock && i == *clock) continue;
        const auto value = cell(entry, i);
        line += separator + value.value_text();
        if (auto unit = value.unit_symbol(); !unit.empty() && !options.csv) line += " " + unit;
      }
      if (xdlms::clock_status_is_suspect(entry.clock_status)) {
        line += separator + "clock_status=" + std::to_string(entry.clock_status);
      }
      std::cout << line << "\n";
    }
    if (!options.csv) std::cout << entries->size() << " entries\n";
    co_return 0;
  });
}

}  // namespace

void add_profile_command(CLI::App& app) {
  auto options = std::make_shared<ProfileOptions>();
  CLI::App* command = app.add_subcommand(
      "profile",
      "print the entries of a profile generic object (load profile 1-0:99.1.0, billing values, "
      "event log) with their capture time, scaled values and units");
  add_connection_options(*command, options->common);
  command->add_option("obis", options->obis, "the profile generic object, e.g. 1-0:99.1.0")
      ->required();
  command->add_option("--from", options->from, "first capture time, e.g. 2026-11-24T00:00:00Z");
  command->add_option("--to", options->to, "last capture time (default: now)");
  command->add_option("--last", options->last, "the newest N entries (entry access)")
      ->check(CLI::Range(1U, 1000000U));
  command->add_flag("--csv", options->csv, "comma-separated values, no units");
  command->callback([options] {
    const int code = run_profile(*options);
    if (code != 0) throw CLI::RuntimeError(code);
  });
}

}  // namespace dlmsgw::app
