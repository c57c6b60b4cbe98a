// `check` and `check --repair` of the Redis store: the one place that SCANs the
// keyspace (under the prefix only). Entries must decode with matching checksums
// and sit in every index row they should; every index row must point at a live
// entry that has it (Redis expiry or maxmemory eviction leaves such rows behind);
// jobs must reference live entries. Repair re-writes entries' rows and drops the rest.
#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "store/entry_codec.hpp"
#include "store/redis/redis_scripts.hpp"
#include "store/redis/redis_store_impl.hpp"

namespace djc::redis {
namespace {

// A glob (SCAN MATCH) that matches `prefix` literally, then anything.
std::string match_prefix(std::string_view prefix) {
  std::string pattern;
  for (char c : prefix) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') pattern += '\\';
    pattern += c;
  }
  return pattern + "*";
}

bool is_index(const Layout& layout, std::string_view name, bool& scored) {
  std::string_view rest = name.substr(layout.prefix().size());
  scored = rest == "expiry" || rest == "stale" || rest.starts_with("stale:");
  return scored || rest.starts_with("label:") || rest.starts_with("arg:") ||
         rest.starts_with("has:");
}

std::string printable(std::string_view name) {
  std::string out;
  for (char c : name) out += (c == '\0') ? '|' : c;
  return out;
}

}  // namespace

CheckReport RedisStore::check(bool repair) {
  CheckReport report;
  Connection& link = connection();
  std::vector<std::string> entry_keys;
  std::vector<std::string> row_sets;  // entry keys that have a rows set
  std::vector<std::pair<std::string, bool>> indexes;  // name, scored
  std::string pattern = match_prefix(layout_.prefix());
  std::string cursor = "0";
  do {
    Reply page = link.command({"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"});
    if (page->type != REDIS_REPLY_ARRAY || page->elements != 2) link.fail("unexpected SCAN reply");
    cursor = std::string(reply_text(*page->element[0]));
    const redisReply& names = *page->element[1];
    for (std::size_t i = 0; i < names.elements; ++i) {
      std::string name(reply_text(*names.element[i]));
      bool scored = false;
      if (std::string key = layout_.key_of(name, ":e"); !key.empty()) {
        entry_keys.push_back(key);
      } else if (std::string of = layout_.key_of(name, ":i"); !of.empty()) {
        row_sets.push_back(of);
      } else if (is_index(layout_, name, scored)) {
        indexes.emplace_back(name, scored);
      }
    }
  } while (cursor != "0");
  std::sort(entry_keys.begin(), entry_keys.end());

  // Entries: decode, checksum, their own rows.
  std::map<std::string, std::set<std::string>> expected;  // entry key -> 's'/'z' + index
  std::vector<std::string> broken;   // entries to delete
  std::vector<std::string> rewrite;  // entries whose rows to write again
  for (const std::string& key : entry_keys) {
    Reply record = link.command({"GET", layout_.entry(key)});
    if (reply_is_nil(*record)) continue;  // expired since the scan
    std::string why;
    std::optional<EntryRef> entry = decode_entry(reply_text(*record), &why);
    if (!entry) {
      report.problems.push_back(fmt::format("entry {}: does not decode ({})", key, why));
      broken.push_back(key);
      continue;
    }
    ++report.entries;
    if (value_checksum(entry->value) != entry->meta.checksum) {
      report.problems.push_back(fmt::format("entry {}: checksum mismatch", key));
      broken.push_back(key);
      continue;
    }
    Rows rows = index_rows(layout_, entry->meta);
    std::set<std::string>& want = expected[key];
    for (const std::string& set : rows.sets) {
      want.insert("s" + set);
      link.append({"SISMEMBER", set, key});
    }
    for (const auto& [zset, score] : rows.scored) {
      want.insert("z" + zset);
      link.append({"ZSCORE", zset, key});
    }
    link.append({"SISMEMBER", layout_.labels(), entry->meta.label});
    link.append({"SMEMBERS", layout_.rows(key)});
    std::vector<Reply> found = link.exchange();
    std::size_t i = 0;
    bool whole = true;
    for (const std::string& set : rows.sets) {
      if (reply_integer(*found[i++]) == 0) {
        report.problems.push_back(
            fmt::format("entry {}: missing from index {}", key, printable(set)));
        whole = false;
      }
    }
    for (const auto& [zset, score] : rows.scored) {
      if (reply_is_nil(*found[i++])) {
        report.problems.push_back(
            fmt::format("entry {}: missing from index {}", key, printable(zset)));
        whole = false;
      }
    }
    if (reply_integer(*found[i++]) == 0) {
      report.problems.push_back(
          fmt::format("entry {}: label {} missing from the labels", key, entry->meta.label));
      whole = false;
    }
    const redisReply& listed = *found[i];
    std::set<std::string> have;
    for (std::size_t j = 0; j < listed.elements; ++j) have.emplace(reply_text(*listed.element[j]));
    if (whole && have != want) {
      report.problems.push_back(fmt::format("entry {}: its list of index rows is wrong", key));
      whole = false;
    }
    if (!whole) rewrite.push_back(key);
  }

  // Index rows: each must point at a live entry that has it.
  std::vector<std::pair<std::string, std::pair<std::string, bool>>> dangling;  // key, index
  for (const auto& [name, scored] : indexes) {
    Reply members = scored ? link.command({"ZRANGE", name, "0", "-1"})
                           : link.command({"SMEMBERS", name});
    for (std::size_t j = 0; j < members->elements; ++j) {
      std::string key(reply_text(*members->element[j]));
      auto entry = expected.find(key);
      if (entry != expected.end() && entry->second.contains((scored ? "z" : "s") + name)) continue;
      report.problems.push_back(fmt::format("index {}: {} has no entry{}", printable(name), key,
                                            entry == expected.end() ? "" : " with that row"));
      dangling.push_back({key, {name, scored}});
    }
  }
  // Rows sets of entries that are gone.
  std::vector<std::string> orphans;
  for (const std::string& key : row_sets) {
    if (!expected.contains(key) &&
        std::find(broken.begin(), broken.end(), key) == broken.end()) {
      report.problems.push_back(fmt::format("entry {}: index rows left by an entry that is gone",
                                            key));
      orphans.push_back(key);
    }
  }
  std::vector<Job> queued = jobs();
  std::vector<Job> lost_jobs;
  for (const Job& job : queued) {
    if (expected.contains(job.key)) continue;
    report.problems.push_back(fmt::format("job {}: its entry is missing", job.key));
    lost_jobs.push_back(job);
  }
  if (!repair) return report;

  // Repair: drop what cannot be mended, then write the rows of every entry again.
  std::vector<std::string> drop = broken;
  drop.insert(drop.end(), orphans.begin(), orphans.end());
  report.repaired += erase(drop);
  for (const auto& [key, index] : dangling) {
    link.command({index.second ? "ZREM" : "SREM", index.first, key});
    ++report.repaired;
  }
  for (const std::string& key : rewrite) {
    Reply record = link.command({"GET", layout_.entry(key)});
    if (reply_is_nil(*record)) continue;
    std::optional<EntryRef> entry = decode_entry(reply_text(*record));
    if (!entry) continue;
    std::vector<std::string> hold;
    put_args(entry->meta, reply_text(*record), hold);
    std::vector<std::string_view> args(hold.begin(), hold.end());
    eval(scripts::put, {layout_.entry(key), layout_.rows(key)}, args);
    ++report.repaired;
  }
  for (const Job& job : lost_jobs) {
    link.append({"ZREM", layout_.jobs(), job.key});
    link.append({"HDEL", layout_.job_versions(), job.key});
    link.exchange();
    ++report.repaired;
  }
  // Labels without entries.
  for (const std::string& label : labels()) {
    Reply size = link.command({"SCARD", layout_.label(label)});
    if (reply_integer(*size) == 0) link.command({"SREM", layout_.labels(), label});
  }
  return report;
}

}  // namespace djc::redis
