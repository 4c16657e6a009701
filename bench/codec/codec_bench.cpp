// bench/codec: the per-reading hot paths of the gateway, measured with Google Benchmark.
//   build/release/bench/bench_codec            (figures in bench/README.md)
// Inputs are built here with the project's own encoders, so the bench measures decoding what a
// meter would send, not parsing hex.
#include <benchmark/benchmark.h>

#include <string>

#include "dlms/axdr/data_codec.hpp"
#include "dlms/cosem/scaled_value.hpp"
#include "dlms/hdlc/deframer.hpp"
#include "dlms/hdlc/frame.hpp"
#include "dlms/xdlms/apdu.hpp"
#include "gateway/uplink/gateway_batch.hpp"

namespace dlmsgw {
namespace {

// A GET response carrying a register value, as the user's meter sends one: LLC + C4 01 C1 00 12 34
// BC.
Bytes get_response_frame() {
  hdlc::Frame frame;
  frame.destination = *hdlc::HdlcAddress::client(1);
  frame.source = *hdlc::HdlcAddress::server_one_byte(0, 1);
  frame.control = hdlc::ControlField::information(1, 2);
  frame.information = Bytes{0xE6, 0xE7, 0x00, 0xC4, 0x01, 0xC1, 0x00, 0x12, 0x34, 0xBC};
  return *hdlc::encode_frame(frame);
}

// One day of a 15-minute load profile: 96 entries of {date-time, energy import, energy export}.
Bytes profile_buffer() {
  axdr::DataList entries;
  for (int i = 0; i < 96; ++i) {
    const auto when = cosem::DateTime::from_unix_ms(1795526854000 + i * 900000LL, 60);
    entries.push_back(axdr::Data::structure(
        {axdr::Data::octet_string(when.encode()),
         axdr::Data::double_long_unsigned(1000000u + static_cast<std::uint32_t>(i)),
         axdr::Data::double_long_unsigned(2000u)}));
  }
  return axdr::encode_data(axdr::Data::array(std::move(entries)));
}

void deframe_stream(benchmark::State& state) {
  const Bytes frame = get_response_frame();
  Bytes stream;
  for (int i = 0; i < 100; ++i) stream.insert(stream.end(), frame.begin(), frame.end());
  const auto chunk = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    hdlc::Deframer deframer;
    deframer.accept_any_address();
    std::size_t frames = 0;
    for (std::size_t offset = 0; offset < stream.size(); offset += chunk) {
      const std::size_t size = std::min(chunk, stream.size() - offset);
      frames += deframer.feed(ByteView(stream).subspan(offset, size)).size();
    }
    benchmark::DoNotOptimize(frames);
  }
  state.SetItemsProcessed(state.iterations() * 100);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(stream.size()));
}
BENCHMARK(deframe_stream)->Arg(1)->Arg(64)->Arg(4096);

void decode_get_response(benchmark::State& state) {
  const Bytes apdu{0xC4, 0x01, 0xC1, 0x00, 0x12, 0x34, 0xBC};
  for (auto _ : state) benchmark::DoNotOptimize(xdlms::decode_apdu(apdu));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(decode_get_response);

void decode_profile_buffer(benchmark::State& state) {
  const Bytes buffer = profile_buffer();
  for (auto _ : state) benchmark::DoNotOptimize(axdr::decode_single_data(buffer));
  state.SetItemsProcessed(state.iterations() * 96);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(buffer.size()));
}
BENCHMARK(decode_profile_buffer);

void scale_to_decimal(benchmark::State& state) {
  std::uint16_t raw = 13500;
  for (auto _ : state) {
    benchmark::DoNotOptimize(cosem::ScaledValue(raw++, -2, cosem::Unit::volt).to_decimal_string());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(scale_to_decimal);

// 1,000 stored readings of 10 values each (100 meters x 10 polls) into gateway-API telemetry
// messages.
void encode_telemetry_batch(benchmark::State& state) {
  std::vector<gateway::StoredRecord> records;
  for (std::uint64_t i = 0; i < 1000; ++i) {
    gateway::Record record;
    record.device = "Meter " + std::to_string(i % 100);
    record.ts = gateway::Timestamp(
        std::chrono::milliseconds(1795526854000 + static_cast<std::int64_t>(i) * 2000));
    record.payload =
        R"({"voltage_l1":230.12,"voltage_l2":229.8,"voltage_l3":231.05,"current_l1":1.3,"current_l2":1.25,)"
        R"("current_l3":1.31,"frequency":50.01,"active_power":897,"active_energy":123456.78,"power_factor":0.98})";
    records.push_back(gateway::StoredRecord{gateway::RecordId{i + 1}, std::move(record)});
  }
  for (auto _ : state) benchmark::DoNotOptimize(gateway::encode_batch(records, 65536));
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(encode_telemetry_batch);

}  // namespace
}  // namespace dlmsgw
