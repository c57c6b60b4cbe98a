// End-to-end: getter output past the in-memory threshold (16 MiB) goes through an
// unlinked temporary file: printed and stored byte for byte, held once in memory.
#include <catch2/catch.hpp>

#include <sys/resource.h>

#include <filesystem>

#include "harness.hpp"

using djc::e2e::count_lines;
using djc::e2e::Sandbox;

namespace {

// `seq 1 5000000` prints 38,888,896 bytes: well past the threshold, and the same
// bytes on every run, so a checksum of them can be compared.
constexpr const char* big_worker = R"([workers.big]
command = 'echo run >> ran.log; seq 1 5000000'
getter_timeout = "2m"
)";
constexpr long big_value_kib = 38888896 / 1024;

long children_peak_rss_kib() {
  rusage usage{};
  getrusage(RUSAGE_CHILDREN, &usage);
  return usage.ru_maxrss;
}

}  // namespace

TEST_CASE("a large getter output is printed and stored byte for byte, no temp file left",
          "[e2e][get][large]") {
  Sandbox box;
  box.config(big_worker);
  std::filesystem::create_directory(box.dir() / "tmp");
  box.env["TMPDIR"] = (box.dir() / "tmp").string();
  std::string expected = box.sh("seq 1 5000000 | cksum").out;
  auto miss = box.dj("get big | cksum");
  REQUIRE(miss.code == 0);
  CHECK(miss.out == expected);
  CHECK(miss.err.empty());
  auto hit = box.dj("get big | cksum");
  CHECK(hit.out == expected);
  CHECK(count_lines(box.dir() / "ran.log") == 1);
  CHECK(std::filesystem::is_empty(box.dir() / "tmp"));
  CHECK(box.dj("check").code == 0);
}

TEST_CASE("a large getter output is held once in memory on a miss", "[e2e][lmdb][get][large][memory]") {
  Sandbox box;
  box.config(big_worker);
  // Only the miss below is a child of this process with a large RSS; the figure
  // is the largest peak of any child reaped so far.
  REQUIRE(children_peak_rss_kib() < big_value_kib / 2);
  auto miss = box.dj("get big > /dev/null");
  REQUIRE(miss.code == 0);
  // One copy (the store's pages, then the map of the file it is printed from) and
  // the binary; two copies would be past twice the value.
  long peak = children_peak_rss_kib();
  INFO("peak RSS " << peak << " KiB for a value of " << big_value_kib << " KiB");
  CHECK(peak < big_value_kib * 3 / 2);
}
