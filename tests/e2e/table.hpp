// A small file-backed table for the invalidation tests: CSV files in the sandbox
// and getters (sh + awk) that filter them by their arguments, as django-cache's
// test models were filtered by their attributes. Every getter run appends a line
// to ran.log, so a test can tell exactly which entries were recomputed.
#pragma once

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "harness.hpp"

namespace djc::e2e {

// bin/filter TABLE [--attr1=V] [--attr2=V] [--attr3=V]: the ids of TABLE's rows
// (id,attr1,attr2,attr3) equal on all three; an argument not given or None is
// NULL (empty), as django-cache's getter filtered attr3=None. Logs
// "TABLE attr1|attr2|attr3".
// bin/nested [--attr1=V] [--bars=N...]: the ids of foos with that attr1 that some
// listed bar (bars.csv: id,attr1,attr2,attr3,foo) points at. Logs "nested attr1|bars".
inline void write_table_getters(Sandbox& box) {
  box.write("bin/filter", R"(#!/bin/sh
table=$1; shift
a1='' a2='' a3=''
for arg in "$@"; do
  case $arg in
    --attr1=*) a1=${arg#--attr1=} ;;
    --attr2=*) a2=${arg#--attr2=} ;;
    --attr3=*) a3=${arg#--attr3=} ;;
  esac
done
echo "$table $a1|$a2|$a3" >> ran.log
awk -F, -v a1="$a1" -v a2="$a2" -v a3="$a3" \
  'NR > 1 && $2 == a1 && $3 == a2 && $4 == a3 { print $1 }' "$table.csv"
)", 0755);
  box.write("bin/nested", R"(#!/bin/sh
a1='' bars=''
for arg in "$@"; do
  case $arg in
    --attr1=*) a1=${arg#--attr1=} ;;
    --bars=*) bars="$bars ${arg#--bars=}" ;;
  esac
done
echo "nested $a1|$bars" >> ran.log
awk -F, -v a1="$a1" -v bars="$bars" '
  BEGIN { n = split(bars, b, " "); for (i = 1; i <= n; i++) want[b[i]] = 1 }
  FILENAME == "bars.csv" && FNR > 1 && ($1 in want) { foo[$5] = 1 }
  FILENAME == "foos.csv" && FNR > 1 && ($1 in foo) && $2 == a1 { print $1 }' bars.csv foos.csv
)", 0755);
}

// The workers over the table; `extra` is appended (more workers, sources).
inline std::string table_config(const std::string& extra = "") {
  return R"([workers.simple_foo]
command = ["./bin/filter", "foos"]
timeout = "1d"
[workers.simple_bar]
command = ["./bin/filter", "bars"]
timeout = "1d"
[workers.nested_foo]
command = ["./bin/nested"]
timeout = "1d"
[workers.all_foos]
command = 'echo "all" >> ran.log; tail -n +2 foos.csv | cut -d, -f1'
timeout = "1d"
)" + extra;
}

// Rows after the header "id,attr1,attr2,attr3", one string per line.
inline void write_foos(Sandbox& box, const std::vector<std::string>& rows) {
  std::string text = "id,attr1,attr2,attr3\n";
  for (const auto& row : rows) text += row + "\n";
  box.write("foos.csv", text);
}

// The getter runs logged since the last call, sorted; the log is emptied.
inline std::vector<std::string> runs(Sandbox& box) {
  std::vector<std::string> lines;
  std::ifstream in(box.dir() / "ran.log");
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::filesystem::remove(box.dir() / "ran.log");
  std::sort(lines.begin(), lines.end());
  return lines;
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace djc::e2e
