// The full form, in the style of the ThingsBoard gateway's Modbus connector: a connection{} per
// device and explicit lists of what is read (timeseries[], attributes[]), written
// (attributeUpdates[]) and invoked (rpc[]).

#include "connectors/dlms/config_device.hpp"
#include "connectors/dlms/config_points.hpp"

namespace dlmsgw::connectors::dlms {
namespace {

std::string at(const std::string& path, std::string_view key) {
  return ConfigReader::join(path, key);
}

Expected<client::SerialTarget> parse_serial(ConfigReader& reader, const Json& connection,
                                            const std::string& path) {
  const auto where = at(path, "serial");
  if (!connection.contains("serial")) {
    return reader.error(where, "missing (a serial connection needs serial{port, baudrate, ...})");
  }
  const auto& node = connection.at("serial");
  DLMSGW_TRY(reader.expect_object(node, where, "port, baudrate, dataBits, parity, stopBits"));
  reader.check_keys(
      node, where,
      {"port", "baudrate", "dataBits", "parity", "stopBits", "iecModeE", "interFrameGap"});
  client::SerialTarget serial;
  if (!node.contains("port")) {
    return reader.error(at(where, "port"), "missing (the serial device, e.g. /dev/ttyUSB0)");
  }
  DLMSGW_TRY_ASSIGN(serial.line.device, reader.name(node.at("port"), at(where, "port")));
  if (node.contains("baudrate")) {
    DLMSGW_TRY_ASSIGN(const auto baud, reader.integer(node.at("baudrate"), at(where, "baudrate"),
                                                      50, 4'000'000, "a baud rate (e.g. 9600)"));
    serial.line.baud = static_cast<unsigned>(baud);
  }
  if (node.contains("dataBits")) {
    DLMSGW_TRY_ASSIGN(const auto bits, reader.integer(node.at("dataBits"), at(where, "dataBits"), 5,
                                                      8, "a number of data bits (5..8)"));
    serial.line.data_bits = static_cast<unsigned>(bits);
  }
  if (node.contains("parity")) {
    DLMSGW_TRY_ASSIGN(const auto text, reader.text(node.at("parity"), at(where, "parity")));
    auto parity = net::parse_parity(text);
    if (!parity) {
      return reader.error(at(where, "parity"),
                          "\"" + text + "\" is not a parity (use none, even or odd)");
    }
    serial.line.parity = *parity;
  }
  if (node.contains("stopBits")) {
    DLMSGW_TRY_ASSIGN(const auto bits, reader.integer(node.at("stopBits"), at(where, "stopBits"), 1,
                                                      2, "a number of stop bits (1 or 2)"));
    serial.line.stop_bits = bits == 2 ? net::StopBits::two : net::StopBits::one;
  }
  if (node.contains("iecModeE")) {
    DLMSGW_TRY_ASSIGN(serial.iec_mode_e,
                      reader.boolean(node.at("iecModeE"), at(where, "iecModeE")));
  }
  if (node.contains("interFrameGap")) {
    DLMSGW_TRY_ASSIGN(const auto gap,
                      reader.millis(node.at("interFrameGap"), at(where, "interFrameGap")));
    if (gap > std::chrono::seconds(1)) {
      return reader.error(at(where, "interFrameGap"),
                          std::to_string(gap.count()) +
                              " ms is not an inter-frame gap (1..1000 ms; 20 unless set)");
    }
    serial.inter_frame_gap = gap;
  }
  return serial;
}

Expected<void> parse_connection(ConfigReader& reader, const Json& device, const std::string& path,
                                client::ConnectionSettings& settings) {
  const auto where = at(path, "connection");
  const auto& node = device.at("connection");
  DLMSGW_TRY(reader.expect_object(node, where, "type, host, port, transport, addresses, ..."));
  std::vector<std::string_view> known = {"type", "host", "port", "serial"};
  known.insert(known.end(), kLinkKeys.begin(), kLinkKeys.end());
  reader.check_keys(node, where, known);
  DLMSGW_TRY(parse_link(reader, node, where, settings));

  // Without a type, a serial{} block says serial; TCP otherwise.
  std::string type = node.contains("serial") && !node.contains("host") ? "serial" : "tcp";
  if (node.contains("type")) {
    DLMSGW_TRY_ASSIGN(type, reader.text(node.at("type"), at(where, "type")));
  }
  if (type == "tcp") {
    client::TcpTarget tcp;
    if (!node.contains("host")) {
      return reader.error(at(where, "host"),
                          "missing (the meter's or its TCP gateway's address, for type tcp)");
    }
    DLMSGW_TRY_ASSIGN(tcp.host, reader.name(node.at("host"), at(where, "host")));
    tcp.port = settings.transport == client::Transport::wrapper ? client::kDefaultWrapperPort
                                                                : client::kDefaultHdlcTcpPort;
    if (node.contains("port")) {
      DLMSGW_TRY_ASSIGN(tcp.port, parse_port(reader, node.at("port"), at(where, "port")));
    }
    if (node.contains("serial")) reader.warn(at(where, "serial"), "ignored with type tcp");
    settings.endpoint = tcp;
  } else if (type == "serial") {
    if (settings.transport != client::Transport::hdlc) {
      return reader.error(at(where, "transport"),
                          "a serial line carries HDLC only (use transport hdlc)");
    }
    for (const char* key : {"host", "port"}) {
      if (node.contains(key)) {
        reader.warn(at(where, key), "ignored with type serial (the device is serial.port)");
      }
    }
    DLMSGW_TRY_ASSIGN(auto serial, parse_serial(reader, node, where));
    settings.endpoint = std::move(serial);
  } else {
    return reader.error(at(where, "type"),
                        "\"" + type + "\" is not a connection type (use tcp or serial)");
  }
  return {};
}

}  // namespace

Expected<DeviceConfig> parse_full_device(ConfigReader& reader, const Json& device,
                                         const std::string& path, const DeviceDefaults& defaults) {
  std::vector<std::string_view> known = {
      "deviceName", "name",       "pollPeriod",       "bField", "connection",
      "timeseries", "attributes", "attributeUpdates", "rpc"};
  known.insert(known.end(), kDeviceCommonKeys.begin(), kDeviceCommonKeys.end());
  reader.check_keys(device, path, known);

  DeviceConfig config;
  const char* name_key = device.contains("deviceName") ? "deviceName" : "name";
  if (!device.contains(name_key)) {
    return reader.error(at(path, "deviceName"), "missing (the device's name in ThingsBoard)");
  }
  DLMSGW_TRY_ASSIGN(config.name, reader.name(device.at(name_key), at(path, name_key)));
  DLMSGW_TRY_ASSIGN(const auto resolved,
                    parse_device_common(reader, device, path, defaults, config));
  if (!device.contains("connection")) {
    return reader.error(at(path, "connection"),
                        "missing (type, host, port, transport and addresses of the meter)");
  }
  DLMSGW_TRY(parse_connection(reader, device, path, config.connection));

  if (device.contains("pollPeriod")) {
    DLMSGW_TRY_ASSIGN(config.poll_period,
                      reader.millis(device.at("pollPeriod"), at(path, "pollPeriod")));
  }
  PointDefaults points{config.poll_period, resolved.report_strategy, client::kStandardBField};
  if (device.contains("bField")) {
    DLMSGW_TRY_ASSIGN(const auto b, reader.integer(device.at("bField"), at(path, "bField"), 0, 255,
                                                   "an OBIS B field (0..255)"));
    points.b_field = static_cast<std::uint8_t>(b);
  }
  if (device.contains("timeseries")) {
    DLMSGW_TRY_ASSIGN(config.timeseries, parse_points(reader, device.at("timeseries"),
                                                      at(path, "timeseries"), points));
  }
  if (device.contains("attributes")) {
    PointDefaults attribute_points = points;
    attribute_points.poll_period = config.attribute_poll_period;
    DLMSGW_TRY_ASSIGN(config.attributes, parse_points(reader, device.at("attributes"),
                                                      at(path, "attributes"), attribute_points));
  }
  if (device.contains("attributeUpdates")) {
    DLMSGW_TRY_ASSIGN(config.attribute_updates,
                      parse_attribute_updates(reader, device.at("attributeUpdates"),
                                              at(path, "attributeUpdates")));
  }
  if (device.contains("rpc")) {
    DLMSGW_TRY_ASSIGN(config.rpc, parse_rpc_methods(reader, device.at("rpc"), at(path, "rpc")));
  }
  DLMSGW_TRY(finish_connection(reader, at(path, "connection"), config));
  return config;
}

}  // namespace dlmsgw::connectors::dlms
