#include "client/serial_bus.hpp"

// g++ 12 reports asio's coroutine frame allocator as mismatched new/delete after inlining (a known
// false positive: the frame is allocated and freed by the same awaitable_frame_base operators).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>

#include "dlms/hdlc/deframer.hpp"

namespace dlmsgw::client {

std::string describe_line(const net::SerialSettings& settings) {
  const char parity = settings.parity == net::Parity::none   ? 'N'
                      : settings.parity == net::Parity::even ? 'E'
                                                             : 'O';
  return settings.device + " " + std::to_string(settings.baud) + " " +
         std::to_string(settings.data_bits) + parity +
         (settings.stop_bits == net::StopBits::one ? "1" : "2");
}

class BusStream final : public net::ByteStream {
 public:
  BusStream(std::shared_ptr<SerialBus> bus, hdlc::HdlcAddress meter)
      : bus_(std::move(bus)),
        meter_(meter),
        peer_(bus_->port_->peer() + " (HDLC address " + meter.to_string() + ")") {
    deframer_.accept_any_address();
  }
  ~BusStream() override { release(); }
  BusStream(const BusStream&) = delete;
  BusStream& operator=(const BusStream&) = delete;

  asio::awaitable<Expected<std::size_t>> read_some(std::span<std::uint8_t> buffer,
                                                   net::Timeout timeout) override {
    if (!open_) co_return closed();
    co_await take();
    if (!open_) co_return give_up();
    on_port_ = true;
    auto count = co_await bus_->port_->read_some(buffer, timeout);
    on_port_ = false;
    if (count) bus_->last_activity_ = std::chrono::steady_clock::now();
    if (!open_) co_return give_up();
    if (!count) {
      release();  // a silent meter lets the others have the line
      co_return count.error();
    }
    bool answered = false;
    for (const auto& frame : deframer_.feed(ByteView(buffer.data(), *count))) {
      if (frame.source == meter_ && frame.control.poll_final) answered = true;
    }
    if (answered) release();
    co_return count;
  }

  asio::awaitable<Expected<void>> write(ByteView data, net::Timeout timeout) override {
    if (!open_) co_return closed();
    co_await take();
    if (!open_) co_return give_up();
    const auto quiet_from = bus_->last_activity_ + bus_->gap();
    if (std::chrono::steady_clock::now() < quiet_from) {
      asio::steady_timer gap(co_await asio::this_coro::executor, quiet_from);
      co_await gap.async_wait(asio::use_awaitable);
      if (!open_) co_return give_up();  // closed during the gap: the line may be another's now
    }
    on_port_ = true;
    auto written = co_await bus_->port_->write(data, timeout);
    on_port_ = false;
    bus_->last_activity_ = std::chrono::steady_clock::now();
    if (!open_) co_return give_up();
    if (!written) release();
    co_return written;
  }

  // Ends this meter's use of the line; the port stays open for the others. An operation of this
  // meter still pending on the port is cancelled, and the line is released only when it has
  // returned: released now, its read would stay queued on the port to take the next meter's
  // answer (and clear that read's deadline, the port keeping one read at a time).
  void close() override {
    open_ = false;
    if (on_port_) {
      bus_->port_->cancel();
    } else {
      release();
    }
  }
  // Only this meter's operation can be pending on the port: it holds the line meanwhile.
  void cancel() override {
    if (on_port_) bus_->port_->cancel();
  }
  [[nodiscard]] bool is_open() const override { return open_ && bus_->port_->is_open(); }
  [[nodiscard]] const std::string& peer() const override { return peer_; }

 private:
  Error closed() const { return make_error(ErrorCode::connection_closed, peer_ + ": closed"); }
  // Closed while taking the line or using it: the line goes to the next meter.
  Error give_up() {
    release();
    return closed();
  }

  asio::awaitable<void> take() {
    if (turn_) co_return;
    ++bus_->stats_.turns;
    if (bus_->line_.locked()) ++bus_->stats_.waited_turns;
    turn_.emplace(co_await bus_->line_.lock());
    deframer_.reset();
  }
  void release() { turn_.reset(); }

  std::shared_ptr<SerialBus> bus_;
  hdlc::HdlcAddress meter_;
  std::string peer_;
  hdlc::Deframer deframer_;
  std::optional<AsyncMutex::Guard> turn_;
  bool open_ = true;
  bool on_port_ = false;  // a read or write of this meter is pending on the port
};

SerialBus::SerialBus(std::unique_ptr<net::ByteStream> port, net::SerialSettings settings,
                     std::chrono::milliseconds gap)
    : port_(std::move(port)), settings_(std::move(settings)), gap_ms_(gap.count()) {}

std::string serial_port_identity(const std::string& device) {
  std::error_code error;
  const auto resolved = std::filesystem::canonical(device, error);
  return error ? device : resolved.string();
}

std::unique_ptr<net::ByteStream> SerialBus::attach(const std::shared_ptr<SerialBus>& self,
                                                   hdlc::HdlcAddress meter) {
  return std::make_unique<BusStream>(self, meter);
}

Expected<std::shared_ptr<SerialBus>> SerialBus::shared_bus(const asio::any_io_executor& executor,
                                                           const net::SerialSettings& settings,
                                                           std::chrono::milliseconds gap) {
  static std::mutex mutex;
  static std::map<std::string, std::weak_ptr<SerialBus>> buses;
  const std::lock_guard lock(mutex);
  const std::string port = serial_port_identity(settings.device);
  if (auto existing = buses[port].lock()) {
    // The same line under another name of the port is the same line.
    net::SerialSettings named = settings;
    named.device = existing->settings().device;
    if (existing->settings() != named) {
      return make_error(ErrorCode::invalid_argument,
                        "serial port " + settings.device + " is already open as " +
                            describe_line(existing->settings()) +
                            " for another meter; this one "
                            "asks for " +
                            describe_line(settings) +
                            ": meters on one port share its line settings, give them all the same "
                            "baudrate, dataBits, parity and stopBits");
    }
    if (gap.count() > existing->gap_ms_.load()) existing->gap_ms_.store(gap.count());
    return existing;
  }
  DLMSGW_TRY_ASSIGN(auto opened, net::open_serial(executor, settings));
  auto bus = std::make_shared<SerialBus>(std::move(opened), settings, gap);
  buses[port] = bus;
  return bus;
}

}  // namespace dlmsgw::client
