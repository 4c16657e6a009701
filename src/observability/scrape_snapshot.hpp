#pragma once
// ScrapeSnapshot<T>: one snapshot of numbers kept elsewhere (every meter's statistics), shared
// by the families of one scrape and held only by the scrapes that took it. The first family to
// ask after renew() takes it; the others of that scrape (MetricsRegistry::begin_scrape captures
// every family at once) get the same one, so that every family lists the same meters. A scrape
// still being written keeps its own while the next takes a fresh one, and between scrapes
// nothing is kept.
//
//   ScrapeSnapshot<std::vector<Meter>> meters([&] { return list_meters(); });
//   registry.snapshot_collector(..., [&] { return collected_items(meters.get(), write); });
//   before each scrape: meters.renew();
//
// Loop thread only, like the registry.

#include <functional>
#include <memory>
#include <utility>

namespace dlmsgw::observability {

template <class T>
class ScrapeSnapshot {
 public:
  explicit ScrapeSnapshot(std::function<T()> take) : take_(std::move(take)) {}

  // The next get() takes a new snapshot, whoever still holds the last.
  void renew() { latest_.reset(); }

  // The snapshot of the scrape being begun: the one taken since renew() while a scrape holds
  // it, else a new one.
  [[nodiscard]] std::shared_ptr<const T> get() {
    if (auto taken = latest_.lock()) return taken;
    std::shared_ptr<const T> taken = std::make_shared<const T>(take_ ? take_() : T());
    latest_ = taken;
    return taken;
  }

 private:
  std::function<T()> take_;
  std::weak_ptr<const T> latest_;
};

}  // namespace dlmsgw::observability
