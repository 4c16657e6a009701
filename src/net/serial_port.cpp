#include "net/serial_port.hpp"

#include <asio/serial_port.hpp>

#include "net/asio_byte_stream.hpp"

namespace dlmsgw::net {

Expected<Parity> parse_parity(std::string_view text) {
  if (text == "none") return Parity::none;
  if (text == "even") return Parity::even;
  if (text == "odd") return Parity::odd;
  return make_error(ErrorCode::invalid_argument,
                    "parity '" + std::string(text) + "': use none, even or odd");
}

Expected<std::unique_ptr<ByteStream>> open_serial(const asio::any_io_executor& executor,
                                                  const SerialSettings& settings) {
  const std::string& device = settings.device;
  if (settings.data_bits < 5 || settings.data_bits > 8) {
    return make_error(
        ErrorCode::invalid_argument,
        device + ": data bits " + std::to_string(settings.data_bits) + ": use 5 to 8");
  }
  asio::serial_port port(executor);
  std::error_code error;
  port.open(device, error);
  if (error) return make_error(ErrorCode::io_error, device + ": cannot open: " + error.message());

  using Port = asio::serial_port;
  const auto apply = [&](const auto& option, const std::string& what) -> Expected<void> {
    port.set_option(option, error);
    if (error)
      return make_error(ErrorCode::io_error, device + ": " + what + ": " + error.message());
    return {};
  };
  DLMSGW_TRY(apply(Port::baud_rate(settings.baud), "baud " + std::to_string(settings.baud)));
  const auto parity = settings.parity == Parity::even  ? Port::parity::even
                      : settings.parity == Parity::odd ? Port::parity::odd
                                                       : Port::parity::none;
  DLMSGW_TRY(apply(Port::parity(parity), "parity"));
  DLMSGW_TRY(apply(Port::character_size(settings.data_bits), "data bits"));
  DLMSGW_TRY(apply(Port::stop_bits(settings.stop_bits == StopBits::two ? Port::stop_bits::two
                                                                       : Port::stop_bits::one),
                   "stop bits"));
  DLMSGW_TRY(apply(Port::flow_control(Port::flow_control::none), "flow control"));
  return std::unique_ptr<ByteStream>(
      std::make_unique<AsioByteStream<Port>>(std::move(port), device));
}

}  // namespace dlmsgw::net
