// Verifying the LMDB store (records decode, checksums match, indexes agree with
// the entries both ways, jobs name live entries) and repairing it by rebuilding
// every index.
#include <algorithm>
#include <map>
#include <set>

#include "store/entry_codec.hpp"
#include "store/lmdb/lmdb_index.hpp"
#include "store/lmdb/lmdb_jobs.hpp"
#include "store/lmdb/lmdb_store_impl.hpp"

namespace djc::lmdb {
namespace {

// Keys and index keys may hold any byte: messages show them escaped, one line.
std::string printable(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += digits[c >> 4];
      out += digits[c & 15];
    }
  }
  return out;
}

std::string describe(const IndexRow& row) {
  return std::string(index_name(row.index)) + " row " + printable(row.key) + " -> " +
         printable(row.value);
}

// What a full pass over the store found.
struct Survey {
  std::size_t entries = 0;
  std::vector<std::string> problems;
  std::vector<std::string> bad_keys;           // records to delete on repair
  std::map<std::string, NameSet> entry_names;  // per label, names its entries have
  std::vector<EntryMeta> metas;                // the sound entries
};

void survey_entries(const Txn& txn, const Dbis& dbis, Survey& survey) {
  Cursor cursor(txn, dbis.entries);
  MDB_val k{};
  MDB_val v{};
  for (bool more = cursor.get(k, v, MDB_FIRST); more; more = cursor.get(k, v, MDB_NEXT)) {
    ++survey.entries;
    std::string key(as_view(k));
    std::string why;
    std::optional<EntryRef> entry = decode_entry(as_view(v), &why);
    if (!entry) {
      survey.problems.push_back("entry " + printable(key) + ": does not decode (" + why + ")");
      survey.bad_keys.push_back(key);
      continue;
    }
    if (value_checksum(entry->value) != entry->meta.checksum) {
      survey.problems.push_back("entry " + printable(key) + ": checksum mismatch");
      survey.bad_keys.push_back(key);
      continue;
    }
    if (entry->meta.key != key) {
      survey.problems.push_back("entry " + printable(key) + ": record names key " +
                                printable(entry->meta.key));
      survey.bad_keys.push_back(key);
      continue;
    }
    survey.entry_names[entry->meta.label].merge(entry_arg_names(entry->meta));
    survey.metas.push_back(std::move(entry->meta));
  }
}

std::set<IndexRow> actual_rows(const Txn& txn, const Dbis& dbis) {
  std::set<IndexRow> rows;
  for (Index index : {Index::by_label, Index::by_arg, Index::by_expiry, Index::by_relevance}) {
    if (index == Index::by_relevance && !dbis.by_relevance) continue;
    Cursor cursor(txn, dbis.of(index));
    MDB_val k{};
    MDB_val v{};
    for (bool more = cursor.get(k, v, MDB_FIRST); more; more = cursor.get(k, v, MDB_NEXT)) {
      rows.insert({index, std::string(as_view(k)), std::string(as_view(v))});
    }
  }
  return rows;
}

std::map<std::string, NameSet> stored_names(const Txn& txn, const Dbis& dbis) {
  std::map<std::string, NameSet> names;
  Cursor cursor(txn, dbis.arg_names);
  MDB_val k{};
  MDB_val v{};
  for (bool more = cursor.get(k, v, MDB_FIRST); more; more = cursor.get(k, v, MDB_NEXT)) {
    names[std::string(as_view(k))].insert(std::string(as_view(v)));
  }
  return names;
}

void compare_names(const std::map<std::string, NameSet>& stored, const Survey& survey,
                   std::vector<std::string>& problems) {
  for (const auto& [label, names] : survey.entry_names) {
    auto it = stored.find(label);
    for (const std::string& name : names) {
      if (it == stored.end() || !it->second.contains(name)) {
        problems.push_back("arg_names: label " + label + " lacks argument " + printable(name));
      }
    }
  }
  for (const auto& [label, names] : stored) {
    if (!survey.entry_names.contains(label)) {
      problems.push_back("arg_names: label " + printable(label) + " has no entries");
    }
  }
}

}  // namespace

CheckReport LmdbStore::check(bool repair) {
  Survey survey;
  {
    Txn txn = begin_read();
    survey_entries(txn, dbis_, survey);
    std::map<std::string, NameSet> names = stored_names(txn, dbis_);
    compare_names(names, survey, survey.problems);
    std::set<IndexRow> expected;
    for (const EntryMeta& meta : survey.metas) {
      for (IndexRow& row : index_rows(meta, names[meta.label], dbis_.by_relevance.has_value())) {
        expected.insert(std::move(row));
      }
    }
    std::set<IndexRow> actual = actual_rows(txn, dbis_);
    std::vector<IndexRow> missing;
    std::vector<IndexRow> stray;
    std::set_difference(expected.begin(), expected.end(), actual.begin(), actual.end(),
                        std::back_inserter(missing));
    std::set_difference(actual.begin(), actual.end(), expected.begin(), expected.end(),
                        std::back_inserter(stray));
    for (const IndexRow& row : missing) survey.problems.push_back("missing " + describe(row));
    // Rows of a record already reported as bad are its consequence, not news.
    std::set<std::string> bad(survey.bad_keys.begin(), survey.bad_keys.end());
    for (const IndexRow& row : stray) {
      if (bad.contains(row.value)) continue;
      survey.problems.push_back("stray " + describe(row) + " (no such entry, or it disagrees)");
    }
  }
  std::vector<std::string> bad_jobs;
  {
    Txn txn = begin_read();
    bad_jobs = check_jobs(txn, dbis_, survey.problems);
  }
  CheckReport report;
  report.entries = survey.entries;
  report.problems = survey.problems;
  if (!repair || report.problems.empty()) return report;

  // Rebuilt from the sound entries; the others cannot be indexed and, this being
  // a cache, are dropped (the next get recomputes them).
  write([&](Txn& txn) {
    for (const std::string& key : survey.bad_keys) txn.del(dbis_.entries, key);
    // Jobs of the records dropped just now go with them.
    std::vector<std::string> drop = bad_jobs;
    drop.insert(drop.end(), survey.bad_keys.begin(), survey.bad_keys.end());
    repair_jobs(txn, dbis_, drop);
    for (Index index : {Index::by_label, Index::by_arg, Index::by_expiry, Index::by_relevance}) {
      if (index == Index::by_relevance && !dbis_.by_relevance) continue;
      txn.clear(dbis_.of(index));
    }
    txn.clear(dbis_.arg_names);
    for (const auto& [label, names] : survey.entry_names) {
      for (const std::string& name : names) txn.put_dup(dbis_.arg_names, label, name);
    }
    for (const EntryMeta& meta : survey.metas) {
      add_index_rows(txn, dbis_,
                     index_rows(meta, survey.entry_names[meta.label], dbis_.by_relevance.has_value()));
    }
  });
  report.repaired = report.problems.size();
  return report;
}

}  // namespace djc::lmdb
