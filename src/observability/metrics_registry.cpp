#include "observability/metrics_registry.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "observability/exposition_text.hpp"

namespace dlmsgw::observability {
namespace {

Error invalid(const std::string& name, const std::string& why) {
  return make_error(ErrorCode::invalid_argument, "metric '" + name + "': " + why);
}

constexpr std::string_view histogram_suffixes[] = {"_bucket", "_sum", "_count"};

std::string describe(const detail::FamilyInfo& info) {
  std::string text = info.is_callback ? "callback " : "";
  text += to_string(info.type);
  text += " with labels {";
  for (std::size_t i = 0; i < info.label_names.size(); ++i) {
    text += (i > 0 ? ", " : "") + info.label_names[i];
  }
  return text + "}";
}

}  // namespace

Expected<void> MetricsRegistry::check_new(const detail::FamilyInfo& info) const {
  if (!is_valid_metric_name(info.name)) return invalid(info.name, "invalid metric name");
  std::set<std::string_view> seen;
  for (const auto& label : info.label_names) {
    if (!is_valid_label_name(label))
      return invalid(info.name, "invalid label name '" + label + "'");
    if (info.type == MetricType::histogram && label == "le") {
      return invalid(info.name, "'le' is reserved for histogram buckets");
    }
    if (!seen.insert(label).second) return invalid(info.name, "label '" + label + "' repeated");
  }
  // A histogram named x writes x_bucket, x_sum and x_count lines: no other family may own those.
  for (const auto suffix : histogram_suffixes) {
    if (info.name.ends_with(suffix)) {
      const auto base = families_.find(info.name.substr(0, info.name.size() - suffix.size()));
      if (base != families_.end() && base->second->info().type == MetricType::histogram) {
        return invalid(info.name, "collides with histogram '" + base->first + "'");
      }
    }
    if (info.type == MetricType::histogram && families_.contains(info.name + std::string(suffix))) {
      return invalid(info.name, "its " + std::string(suffix) + " lines collide with metric '" +
                                    info.name + std::string(suffix) + "'");
    }
  }
  return {};
}

template <class Cell>
Expected<detail::SeriesFamily<Cell>*> MetricsRegistry::add(
    detail::FamilyInfo info, std::function<std::shared_ptr<Cell>()> make_cell) {
  if (const auto existing = families_.find(info.name); existing != families_.end()) {
    auto* same = dynamic_cast<detail::SeriesFamily<Cell>*>(existing->second.get());
    if (same != nullptr && same->info() == info) return same;
    return invalid(info.name, "already registered as " + describe(existing->second->info()) +
                                  ", now asked for " + describe(info));
  }
  DLMSGW_TRY(check_new(info));
  auto family = std::make_unique<detail::SeriesFamily<Cell>>(info, std::move(make_cell));
  auto* pointer = family.get();
  families_.emplace(info.name, std::move(family));
  // A family without labels has exactly one series: create it now so that it is exported as 0
  // from the first scrape rather than appearing only after its first update.
  if (info.label_names.empty() && !info.is_callback) (void)pointer->get_or_create({});
  return pointer;
}

Expected<CounterFamily> MetricsRegistry::counter(std::string_view name, std::string_view help,
                                                 LabelNames label_names) {
  detail::FamilyInfo info{
      std::string(name), std::string(help), MetricType::counter, std::move(label_names), {}, false};
  auto family = add<detail::CounterCell>(std::move(info),
                                         [] { return std::make_shared<detail::CounterCell>(); });
  if (!family) return family.error();
  return CounterFamily(*family);
}

Expected<GaugeFamily> MetricsRegistry::gauge(std::string_view name, std::string_view help,
                                             LabelNames label_names) {
  detail::FamilyInfo info{
      std::string(name), std::string(help), MetricType::gauge, std::move(label_names), {}, false};
  auto family =
      add<detail::GaugeCell>(std::move(info), [] { return std::make_shared<detail::GaugeCell>(); });
  if (!family) return family.error();
  return GaugeFamily(*family);
}

namespace {

// Drops a trailing +Inf (always implied) and checks the rest.
Expected<std::vector<double>> checked_bounds(std::string_view name, std::vector<double> bounds) {
  if (!bounds.empty() && std::isinf(bounds.back()) && bounds.back() > 0) bounds.pop_back();
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i]) || (i > 0 && !(bounds[i - 1] < bounds[i]))) {
      return invalid(std::string(name), "bucket bounds must be finite and strictly increasing");
    }
  }
  return bounds;
}

}  // namespace

Expected<CallbackHistogramFamily> MetricsRegistry::callback_histogram(std::string_view name,
                                                                      std::string_view help,
                                                                      LabelNames label_names,
                                                                      std::vector<double> bounds) {
  DLMSGW_TRY_ASSIGN(bounds, checked_bounds(name, std::move(bounds)));
  detail::FamilyInfo info{std::string(name),      std::string(help), MetricType::histogram,
                          std::move(label_names), std::move(bounds), true};
  auto family = add<detail::CallbackHistogramCell>(
      std::move(info), [] { return std::make_shared<detail::CallbackHistogramCell>(); });
  if (!family) return family.error();
  return CallbackHistogramFamily(*family);
}

Expected<HistogramFamily> MetricsRegistry::histogram(std::string_view name, std::string_view help,
                                                     LabelNames label_names,
                                                     std::vector<double> bounds) {
  DLMSGW_TRY_ASSIGN(bounds, checked_bounds(name, std::move(bounds)));
  auto shared_bounds = std::make_shared<const std::vector<double>>(bounds);
  detail::FamilyInfo info{std::string(name),      std::string(help), MetricType::histogram,
                          std::move(label_names), std::move(bounds), false};
  auto family = add<detail::HistogramCell>(std::move(info), [shared_bounds] {
    return std::make_shared<detail::HistogramCell>(shared_bounds);
  });
  if (!family) return family.error();
  return HistogramFamily(*family);
}

Expected<CallbackFamily> MetricsRegistry::callback(MetricType type, std::string_view name,
                                                   std::string_view help, LabelNames label_names) {
  if (type == MetricType::histogram) {
    return invalid(std::string(name), "a callback metric is a counter or a gauge");
  }
  detail::FamilyInfo info{
      std::string(name), std::string(help), type, std::move(label_names), {}, true};
  auto family = add<detail::CallbackCell>(std::move(info),
                                          [] { return std::make_shared<detail::CallbackCell>(); });
  if (!family) return family.error();
  return CallbackFamily(*family);
}

template <class Function>
Expected<void> MetricsRegistry::add_collector(MetricType type, std::string_view name,
                                              std::string_view help, LabelNames label_names,
                                              Function function, std::vector<double> bounds) {
  if (type == MetricType::histogram) {
    DLMSGW_TRY_ASSIGN(bounds, checked_bounds(name, std::move(bounds)));
  } else {
    bounds.clear();
  }
  detail::FamilyInfo info{std::string(name),      std::string(help), type,
                          std::move(label_names), std::move(bounds), true};
  if (const auto existing = families_.find(info.name); existing != families_.end()) {
    return invalid(info.name, "already registered as " + describe(existing->second->info()) +
                                  ", now asked for a collector " + describe(info));
  }
  DLMSGW_TRY(check_new(info));
  auto family = std::make_unique<detail::CollectorFamily>(info, std::move(function));
  families_.emplace(info.name, std::move(family));
  return {};
}

Expected<void> MetricsRegistry::collector(MetricType type, std::string_view name,
                                          std::string_view help, LabelNames label_names,
                                          detail::CollectorFamily::Collect collect,
                                          std::vector<double> bounds) {
  return add_collector(type, name, help, std::move(label_names), std::move(collect),
                       std::move(bounds));
}

Expected<void> MetricsRegistry::snapshot_collector(MetricType type, std::string_view name,
                                                   std::string_view help, LabelNames label_names,
                                                   detail::CollectorFamily::Capture capture,
                                                   std::vector<double> bounds) {
  return add_collector(type, name, help, std::move(label_names), std::move(capture),
                       std::move(bounds));
}

Expected<void> MetricsRegistry::callback_gauge(std::string_view name, std::string_view help,
                                               CallbackFamily::Read read) {
  auto family = callback(MetricType::gauge, name, help);
  if (!family) return family.error();
  return family->set({}, std::move(read));
}

namespace {

void render_head(std::string& out, std::string_view name, const detail::FamilyBase& family) {
  out += "# HELP ";
  out += name;
  out += ' ';
  append_help_text(out, family.info().help);
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += to_string(family.info().type);
  out += '\n';
}

}  // namespace

MetricsScrape MetricsRegistry::begin_scrape() const {
  MetricsScrape scrape;
  scrape.families_.reserve(families_.size());
  for (const auto& [name, family] : families_) {
    scrape.families_.push_back({family.get(), family->capture()});
  }
  return scrape;
}

bool MetricsScrape::render_part(std::string& out, std::size_t budget) {
  const std::size_t start = out.size();
  // Another item fits while the part is below its budget; the first always does.
  const auto room = [&] { return out.size() == start || out.size() - start < budget; };
  for (; family_ < families_.size(); ++family_, item_ = 0, head_written_ = false) {
    const auto& [family, series] = families_[family_];
    if (!head_written_) {
      if (!room()) return false;
      render_head(out, family->info().name, *family);
      head_written_ = true;
    }
    for (const std::size_t items = series->size(); item_ < items; ++item_) {
      if (!room()) return false;
      series->write(item_, out);
    }
  }
  return true;
}

std::string MetricsRegistry::render() const {
  auto scrape = begin_scrape();
  // Reserved at once: with per-meter series the text is kilobytes per meter, and growing it by
  // doubling would hold up to three times its size at the peak. The first scrape measures it one
  // item at a time (from the same snapshot); later ones reserve a little more than the last.
  std::size_t expected = last_render_size_ + last_render_size_ / 16;
  if (last_render_size_ == 0) {
    auto measured = scrape;
    std::string scratch;
    for (bool last = false; !last; scratch.clear()) {
      last = measured.render_part(scratch, 0);
      expected += scratch.size();
    }
    expected += expected / 16;
  }
  std::string out;
  out.reserve(expected);
  scrape.render_part(out, std::string::npos);
  last_render_size_ = out.size();
  return out;
}

}  // namespace dlmsgw::observability
