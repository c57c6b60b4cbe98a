// Unit tests of core/edit_distance: Levenshtein distance and "did you mean".
#include <catch2/catch.hpp>

#include "core/edit_distance.hpp"

using djc::edit_distance;
using djc::nearest_name;

TEST_CASE("edit_distance counts insertions, deletions and substitutions", "[edit_distance]") {
  CHECK(edit_distance("", "") == 0);
  CHECK(edit_distance("abc", "abc") == 0);
  CHECK(edit_distance("", "abc") == 3);
  CHECK(edit_distance("abc", "") == 3);
  CHECK(edit_distance("timout", "timeout") == 1);
  CHECK(edit_distance("timeout", "timout") == 1);
  CHECK(edit_distance("kitten", "sitting") == 3);
  CHECK(edit_distance("flaw", "lawn") == 2);
}

TEST_CASE("nearest_name suggests a close candidate", "[edit_distance]") {
  std::vector<std::string> keys{"timeout", "tick", "wait", "getter_timeout"};
  CHECK(nearest_name("timout", keys) == "timeout");
  CHECK(nearest_name("tik", keys) == "tick");
  CHECK(nearest_name("getter_timeot", keys) == "getter_timeout");
}

TEST_CASE("nearest_name gives nothing when no candidate is a plausible typo", "[edit_distance]") {
  std::vector<std::string> keys{"timeout", "tick", "wait"};
  CHECK_FALSE(nearest_name("completely_different", keys).has_value());
  CHECK_FALSE(nearest_name("xyz", keys).has_value());
  CHECK_FALSE(nearest_name("anything", {}).has_value());
  // "tmeot" is 2 edits from "timeout": more than max(1, 5/3) = 1.
  CHECK_FALSE(nearest_name("tmeot", keys).has_value());
}

TEST_CASE("nearest_name prefers the smallest distance, then the first candidate",
          "[edit_distance]") {
  CHECK(nearest_name("abcdef", {"abcdxy", "abcdex"}) == "abcdex");
  CHECK(nearest_name("abcx", {"abcd", "abce"}) == "abcd");
}
