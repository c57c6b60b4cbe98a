// An in-memory Store for core/ unit tests: entries in a map, locks as a set.
#pragma once

#include <algorithm>
#include <map>
#include <set>

#include "store/store.hpp"

namespace djc::test {

class MemoryStore final : public Store {
 public:
  std::map<std::string, std::pair<EntryMeta, std::string>, std::less<>> entries;
  std::set<std::string> held;  // keys whose lock is held
  int reads = 0, puts = 0;

  bool read(std::string_view key, const std::function<void(const EntryRef&)>& use) override {
    ++reads;
    auto found = entries.find(key);
    if (found == entries.end()) return false;
    use(EntryRef{found->second.first, found->second.second});
    return true;
  }
  using Store::put;
  PutOutcome put(const EntryMeta& meta, const ValueSource& value) override {
    ++puts;
    std::string bytes(value.size(), '\0');
    value.copy_to(bytes.data());
    EntryMeta stored = meta;
    stored.checksum = value_checksum(bytes);  // a store vouches for what it holds
    entries[meta.key] = {std::move(stored), std::move(bytes)};
    return {true, 0};
  }
  void put_all(const std::vector<std::pair<EntryMeta, std::string>>& batch) override {
    for (const auto& [meta, value] : batch) put(meta, std::string_view(value));
  }
  std::size_t erase(const std::vector<std::string>& keys) override {
    std::size_t erased = 0;
    for (const auto& key : keys) erased += entries.erase(key);
    return erased;
  }
  void for_each(std::optional<std::string_view> label,
                const std::function<void(const EntryRef&)>& use) override {
    for (const auto& [key, entry] : entries) {
      if (!label || entry.first.label == *label) use(EntryRef{entry.first, entry.second});
    }
  }
  std::vector<std::string> keys_of_label(std::string_view label) override {
    return keys_where([&](const EntryMeta& meta) { return meta.label == label; });
  }
  std::vector<std::string> keys_with_arg(std::string_view label, std::string_view name,
                                         std::string_view value) override {
    return keys_where([&](const EntryMeta& meta) {
      auto arg = meta.args.named.find(std::string(name));
      if (meta.label != label || arg == meta.args.named.end()) return false;
      for (const auto& item : arg->second.values) {
        if (item == value) return true;
      }
      return false;
    });
  }
  std::vector<std::string> keys_without_arg(std::string_view label, std::string_view name) override {
    return keys_where([&](const EntryMeta& meta) {
      auto arg = meta.args.named.find(std::string(name));
      return meta.label == label && (arg == meta.args.named.end() || arg->second.is_none());
    });
  }
  std::vector<std::string> keys_expired(double now) override {
    return keys_where([&](const EntryMeta& meta) { return meta.available_to <= now; });
  }
  std::vector<std::string> keys_stale(double now, std::optional<std::string_view> label) override {
    return keys_where([&](const EntryMeta& meta) {
      return meta.relevance_to && *meta.relevance_to <= now && (!label || meta.label == *label);
    });
  }
  std::vector<std::string> labels() override {
    std::set<std::string> found;
    for (const auto& [key, entry] : entries) found.insert(entry.first.label);
    return {found.begin(), found.end()};
  }
  std::unique_ptr<KeyLock> lock_key(std::string_view key, std::optional<double>) override {
    if (held.count(std::string(key))) return nullptr;
    return std::make_unique<KeyLock>();
  }
  std::map<std::string, Job> queued;
  void enqueue_job(std::string_view key, double due) override {
    auto [job, added] = queued.try_emplace(std::string(key), Job{std::string(key), due, 1});
    if (!added) ++job->second.version;
  }
  std::vector<Job> due_jobs(double now, std::size_t limit) override {
    std::vector<Job> due;
    for (const auto& job : jobs()) {
      if (job.due <= now && due.size() < limit) due.push_back(job);
    }
    return due;
  }
  std::optional<double> next_job_due() override {
    auto all = jobs();
    if (all.empty()) return std::nullopt;
    return all.front().due;
  }
  void finish_job(const Job& job) override {
    auto found = queued.find(job.key);
    if (found != queued.end() && found->second.version == job.version) queued.erase(found);
  }
  std::vector<Job> jobs() override {
    std::vector<Job> all;
    for (const auto& [key, job] : queued) all.push_back(job);
    std::sort(all.begin(), all.end(), [](const Job& a, const Job& b) { return a.due < b.due; });
    return all;
  }
  CheckReport check(bool) override { return {entries.size(), {}, 0}; }
  std::map<std::string, Counters> counted;
  std::optional<double> purged_at;
  void count(std::string_view label, const Counters& delta) noexcept override {
    counted[std::string(label)] += delta;
  }
  std::map<std::string, Counters> counters() override { return counted; }
  void record_purge(double when) noexcept override { purged_at = when; }
  std::optional<double> last_purge() override { return purged_at; }

 private:
  template <typename Predicate>
  std::vector<std::string> keys_where(Predicate matches) {
    std::vector<std::string> keys;
    for (const auto& [key, entry] : entries) {
      if (matches(entry.first)) keys.push_back(key);
    }
    return keys;
  }
};

class FixedClock final : public Clock {
 public:
  double time = 1'000'000;
  double now() const override { return time; }
};

}  // namespace djc::test
