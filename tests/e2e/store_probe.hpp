// What the fault and bad-input tests compare before and after: the store's
// entries (as `export` prints them, with a config known to be good) and the bytes
// of its data file; and the shape of an error report on stderr.
#pragma once

#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

#include "harness.hpp"

namespace djc::e2e {

struct StoreProbe {
  std::string exported;
  std::string data;  // data.mdb, byte for byte

  // `good.toml` in the sandbox must be a valid config.
  static StoreProbe take(const Sandbox& box) {
    StoreProbe probe;
    Run run = box.sh("\"$DJ\" -c good.toml export");
    probe.exported = std::to_string(run.code) + ":" + run.out;
    std::ifstream in(box.store() / "data.mdb", std::ios::binary);
    probe.data.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return probe;
  }
  friend bool operator==(const StoreProbe&, const StoreProbe&) = default;
};

// One line "dj-cache: <message>", optionally followed by one "dj-cache: hint: ..." line.
inline bool is_one_error(const std::string& err) {
  std::istringstream lines(err);
  std::string first, second, third;
  std::getline(lines, first);
  bool has_second = static_cast<bool>(std::getline(lines, second));
  if (std::getline(lines, third)) return false;
  if (first.rfind("dj-cache: ", 0) != 0 || first.rfind("dj-cache: hint:", 0) == 0) return false;
  if (first.size() <= 10) return false;
  return !has_second || second.rfind("dj-cache: hint: ", 0) == 0;
}

}  // namespace djc::e2e
