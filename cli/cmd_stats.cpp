// `dj-cache stats [--json]`: entries and bytes per label (a scan of the store) and
// the usage counters the store keeps beside its data (Store::counters).
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/output.hpp"

namespace djc {
namespace {

struct LabelStats {
  std::uint64_t entries = 0;
  std::uint64_t bytes = 0;
  Counters counters;

  LabelStats& operator+=(const LabelStats& other) {
    entries += other.entries;
    bytes += other.bytes;
    counters += other.counters;
    return *this;
  }
};

struct Report {
  std::map<std::string, LabelStats> labels;
  LabelStats total;
  std::optional<double> last_purge;
  std::size_t jobs = 0;
};

Report gather(Store* store) {
  Report report;
  if (!store) return report;  // a missing store: nothing cached, nothing counted
  store->for_each(std::nullopt, [&](const EntryRef& entry) {
    LabelStats& stats = report.labels[entry.meta.label];
    ++stats.entries;
    stats.bytes += entry.value.size();
  });
  for (const auto& [label, counters] : store->counters()) report.labels[label].counters = counters;
  for (const auto& [label, stats] : report.labels) report.total += stats;
  report.last_purge = store->last_purge();
  report.jobs = store->jobs().size();
  return report;
}

nlohmann::json to_json(const LabelStats& stats) {
  nlohmann::json object{{"entries", stats.entries}, {"bytes", stats.bytes}};
  for (const CounterField& field : counter_fields) object[field.name] = stats.counters.*field.member;
  return object;
}

// "350ms", "12.5s", "3m20s".
std::string getter_time(std::uint64_t ms) {
  if (ms < 1000) return fmt::format("{}ms", ms);
  if (ms < 60'000) return fmt::format("{:.1f}s", static_cast<double>(ms) / 1000);
  return human_duration(static_cast<double>(ms) / 1000);
}

// Gets served from the cache (fresh or stale) among all gets; "-" before any get.
std::string hit_rate(const Counters& c) {
  std::uint64_t served = c.hits + c.stale_serves;
  std::uint64_t gets = served + c.misses;
  if (gets == 0) return "-";
  return fmt::format("{:.0f}%", 100.0 * static_cast<double>(served) / static_cast<double>(gets));
}

std::vector<std::string> table_row(const std::string& label, const LabelStats& stats) {
  const Counters& c = stats.counters;
  auto n = [](std::uint64_t value) { return std::to_string(value); };
  return {label,         n(stats.entries),        human_size(stats.bytes), n(c.hits),
          n(c.misses),   hit_rate(c),             n(c.stale_serves),       n(c.getter_runs),
          n(c.getter_failures), getter_time(c.getter_ms), n(c.evictions), n(c.served_on_error)};
}

int run_stats(Context& context, bool json) {
  Report report = gather(context.store(OpenMode::read));
  if (json) {
    nlohmann::json labels = nlohmann::json::object();
    for (const auto& [label, stats] : report.labels) labels[label] = to_json(stats);
    nlohmann::json document{{"labels", labels},
                            {"total", to_json(report.total)},
                            {"last_purge", nullptr},
                            {"jobs", report.jobs}};
    if (report.last_purge) document["last_purge"] = *report.last_purge;
    write_stdout(document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
    return 0;
  }
  std::vector<std::vector<std::string>> rows{{"LABEL", "ENTRIES", "SIZE", "HITS", "MISSES", "HIT%",
                                              "STALE", "RUNS", "FAILED", "GETTER-TIME", "EVICTED",
                                              "ON-ERROR"}};
  for (const auto& [label, stats] : report.labels) rows.push_back(table_row(label, stats));
  rows.push_back(table_row("TOTAL", report.total));
  print_table(rows);
  double now = context.clock().now();
  std::string purge = report.last_purge
                          ? fmt::format("{} ago", human_duration(now - *report.last_purge))
                          : "never";
  write_stdout(fmt::format("\nlast purge: {}\nqueued jobs: {}\n", purge, report.jobs));
  return 0;
}

}  // namespace

void add_stats_command(CLI::App& app, Context& context) {
  auto json = std::make_shared<bool>(false);
  CLI::App* stats = app.add_subcommand("stats", "Entries, bytes, hits, misses and getter time per label");
  stats->add_flag("--json", *json, "One JSON object: labels, total, last_purge, jobs");
  stats->footer(
      "HIT% counts fresh and stale serves among all gets; a miss is a get that ran the\n"
      "getter. RUNS counts every getter run (refresh, invalidation and jobs too).\n"
      "@run is the ad-hoc entries of dj-cache run.\n"
      "Example: dj-cache stats --json | jq '.labels.weather.hits'");
  stats->callback([json, &context] { context.exit_code = run_stats(context, *json); });
}

}  // namespace djc
