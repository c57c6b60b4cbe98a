// Unit tests of core/duration: the config's durations and sizes.
#include <catch2/catch.hpp>

#include "core/duration.hpp"

using namespace std::chrono_literals;
using djc::Duration;
using djc::format_duration;
using djc::parse_duration;
using djc::parse_size;

TEST_CASE("parse_duration reads bare numbers as seconds", "[duration]") {
  CHECK(parse_duration("60") == Duration(60s));
  CHECK(parse_duration("0") == Duration(0s));
  CHECK(parse_duration("0.1") == Duration(100ms));
  CHECK(parse_duration("100000") == Duration(100000s));
}

TEST_CASE("parse_duration reads single units", "[duration]") {
  CHECK(parse_duration("90s") == Duration(90s));
  CHECK(parse_duration("15m") == Duration(15min));
  CHECK(parse_duration("2h") == Duration(2h));
  CHECK(parse_duration("1d") == Duration(24h));
  CHECK(parse_duration("250ms") == Duration(250ms));
  CHECK(parse_duration("1.5s") == Duration(1500ms));
  CHECK(parse_duration("0.5h") == Duration(30min));
}

TEST_CASE("parse_duration adds compound forms", "[duration]") {
  CHECK(parse_duration("1h30m") == Duration(90min));
  CHECK(parse_duration("1d2h3m4s5ms") == Duration(24h + 2h + 3min + 4s + 5ms));
  CHECK(parse_duration("1m30s") == Duration(90s));
}

TEST_CASE("parse_duration rejects malformed and negative text", "[duration]") {
  for (const char* bad : {"", "-5", "-5s", "s", "5x", "1h30", "1.s", ".5s", "1 h", " 5s", "5s ",
                          "1e3", "+5", "5S", "h1", "1.2.3s", "5sm"}) {
    INFO(bad);
    CHECK_FALSE(parse_duration(bad).has_value());
  }
}

TEST_CASE("parse_duration rejects absurdly long durations", "[duration]") {
  CHECK_FALSE(parse_duration("99999999999999999999d").has_value());
  CHECK(parse_duration("100000d") == Duration(24h * 100000));
}

TEST_CASE("parse_size reads binary and decimal units", "[duration]") {
  CHECK(parse_size("1000000") == 1000000u);
  CHECK(parse_size("100B") == 100u);
  CHECK(parse_size("64KiB") == 64u * 1024);
  CHECK(parse_size("512MiB") == 512u * 1024 * 1024);
  CHECK(parse_size("4GiB") == 4ull << 30);
  CHECK(parse_size("1TiB") == 1ull << 40);
  CHECK(parse_size("1KB") == 1000u);
  CHECK(parse_size("512MB") == 512'000'000u);
  CHECK(parse_size("4GB") == 4'000'000'000u);
  CHECK(parse_size("2TB") == 2'000'000'000'000u);
  CHECK(parse_size("4gib") == 4ull << 30);
  CHECK(parse_size("1.5GiB") == 3ull << 29);
}

TEST_CASE("parse_size rejects malformed text and overflow", "[duration]") {
  for (const char* bad : {"", "GiB", "4G", "4 GiB", "-1", "1.5", "1.5B", "4XiB", "1..5GiB",
                          "99999999999999999999", "20000000TiB"}) {
    INFO(bad);
    CHECK_FALSE(parse_size(bad).has_value());
  }
}

TEST_CASE("format_duration prints exact compact forms", "[duration]") {
  CHECK(format_duration(Duration(0)) == "0s");
  CHECK(format_duration(Duration(250ms)) == "250ms");
  CHECK(format_duration(Duration(1500ms)) == "1.5s");
  CHECK(format_duration(Duration(45s)) == "45s");
  CHECK(format_duration(Duration(90s)) == "1m30s");
  CHECK(format_duration(Duration(90min)) == "1h30m");
  CHECK(format_duration(Duration(24h)) == "1d");
  CHECK(format_duration(Duration(24h + 1s)) == "1d1s");
  CHECK(format_duration(Duration(61s + 50ms)) == "1m1.05s");
}

TEST_CASE("format_duration output parses back to the same duration", "[duration]") {
  for (Duration d : {Duration(0), Duration(1), Duration(999), Duration(1001), Duration(90s),
                     Duration(26h + 3min + 7s + 12ms)}) {
    INFO(d.count());
    CHECK(parse_duration(format_duration(d)) == d);
  }
}
