#include "observability/metric_family.hpp"

#include "observability/exposition_text.hpp"

namespace dlmsgw::observability::detail {
namespace {

// name{l1="v1",l2="v2",le="0.5"} value
void append_sample(std::string& out, const FamilyInfo& info, std::string_view suffix,
                   const LabelValues& values, const std::string* le, double value) {
  out += info.name;
  out += suffix;
  if (!values.empty() || le != nullptr) {
    out += '{';
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (i > 0) out += ',';
      out += info.label_names[i];
      out += "=\"";
      append_label_value(out, values[i]);
      out += '"';
    }
    if (le != nullptr) {
      if (!values.empty()) out += ',';
      out += "le=\"";
      out += *le;
      out += '"';
    }
    out += '}';
  }
  out += ' ';
  append_sample_value(out, value);
  out += '\n';
}

}  // namespace

void render_series(std::string& out, const FamilyInfo& info, const LabelValues& values,
                   const CounterCell& cell) {
  append_sample(out, info, "", values, nullptr, cell.value.load(std::memory_order_relaxed));
}

void render_series(std::string& out, const FamilyInfo& info, const LabelValues& values,
                   const GaugeCell& cell) {
  append_sample(out, info, "", values, nullptr, cell.value.load(std::memory_order_relaxed));
}

// Buckets made cumulative, then +Inf, _sum and _count; `count(i)` gives bucket i alone.
template <class BucketCount>
void render_histogram(std::string& out, const FamilyInfo& info, const LabelValues& values,
                      const std::vector<double>& bounds, BucketCount count, double sum) {
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    cumulative += count(i);
    const std::string le = format_sample_value(bounds[i]);
    append_sample(out, info, "_bucket", values, &le, static_cast<double>(cumulative));
  }
  cumulative += count(bounds.size());
  const std::string inf = "+Inf";
  append_sample(out, info, "_bucket", values, &inf, static_cast<double>(cumulative));
  append_sample(out, info, "_sum", values, nullptr, sum);
  append_sample(out, info, "_count", values, nullptr, static_cast<double>(cumulative));
}

void render_series(std::string& out, const FamilyInfo& info, const LabelValues& values,
                   const HistogramCell& cell) {
  // _count is the +Inf bucket, not a separate atomic, so that a scrape racing an observe() from
  // another thread still sees buckets and count that agree.
  render_histogram(
      out, info, values, cell.bounds(), [&](std::size_t i) { return cell.bucket_count(i); },
      cell.sum());
}

void render_series(std::string& out, const FamilyInfo& info, const LabelValues& values,
                   const CallbackHistogramCell& cell) {
  if (!cell.read) return;
  const auto snapshot = cell.read();
  if (!snapshot || snapshot->counts.size() != info.bounds.size() + 1) return;
  render_histogram(
      out, info, values, info.bounds, [&](std::size_t i) { return snapshot->counts[i]; },
      snapshot->sum);
}

void render_series(std::string& out, const FamilyInfo& info, const LabelValues& values,
                   const CallbackCell& cell) {
  if (!cell.read) return;
  if (const auto value = cell.read()) append_sample(out, info, "", values, nullptr, *value);
}

}  // namespace dlmsgw::observability::detail

namespace dlmsgw::observability {

void SeriesWriter::sample(const LabelValues& values, double value) {
  if (values.size() != info_.label_names.size()) return;
  detail::append_sample(out_, info_, "", values, nullptr, value);
}

void SeriesWriter::histogram(const LabelValues& values, const HistogramSnapshot& snapshot) {
  if (values.size() != info_.label_names.size()) return;
  if (snapshot.counts.size() != info_.bounds.size() + 1) return;
  detail::render_histogram(
      out_, info_, values, info_.bounds, [&](std::size_t i) { return snapshot.counts[i]; },
      snapshot.sum);
}

}  // namespace dlmsgw::observability

namespace dlmsgw::observability::detail {
namespace {

// A collector's items as taken at the start of the scrape, written through a SeriesWriter.
class CapturedItems final : public CapturedSeries {
 public:
  CapturedItems(const FamilyInfo& info, std::shared_ptr<const CollectedItems> items)
      : info_(info), items_(std::move(items)) {}
  [[nodiscard]] std::size_t size() const override { return items_ ? items_->size() : 0; }
  void write(std::size_t item, std::string& out) const override {
    SeriesWriter writer(out, info_);
    items_->write(item, writer);
  }

 private:
  const FamilyInfo& info_;
  std::shared_ptr<const CollectedItems> items_;
};

// A Collect function's series, written at the start of the scrape: one item, or none.
class CapturedText final : public CapturedSeries {
 public:
  explicit CapturedText(std::string text) : text_(std::move(text)) {}
  [[nodiscard]] std::size_t size() const override { return text_.empty() ? 0 : 1; }
  void write(std::size_t /*item*/, std::string& out) const override { out += text_; }

 private:
  std::string text_;
};

}  // namespace

std::shared_ptr<const CapturedSeries> CollectorFamily::capture() const {
  if (capture_) return std::make_shared<const CapturedItems>(info(), capture_());
  std::string text;
  if (collect_) {
    SeriesWriter writer(text, info());
    collect_(writer);
  }
  return std::make_shared<const CapturedText>(std::move(text));
}

Error label_count_error(const FamilyInfo& info, std::size_t given) {
  std::string names;
  for (const auto& name : info.label_names) names += (names.empty() ? "" : ", ") + name;
  return make_error(ErrorCode::invalid_argument, "metric '" + info.name + "' has labels {" + names +
                                                     "}: got " + std::to_string(given) +
                                                     " value(s)");
}

}  // namespace dlmsgw::observability::detail
