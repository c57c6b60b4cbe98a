// Replays every file of tests/fuzz/corpus/<target>/ through the fuzz target bodies,
// so a g++ build's suite catches regressions of inputs the fuzzers once found.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "fuzz/fuzz_targets.hpp"

namespace fs = std::filesystem;

TEST_CASE("every fuzz corpus file runs through its target", "[fuzz]") {
  for (const auto& target : djc::fuzz::targets) {
    const fs::path dir = fs::path(DJ_CACHE_FUZZ_CORPUS) / target.name;
    INFO("target " << target.name);
    REQUIRE(fs::is_directory(dir));
    int files = 0;
    for (const auto& file : fs::directory_iterator(dir)) {
      std::ifstream in(file.path(), std::ios::binary);
      std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
      INFO("input " << file.path().string());
      CHECK_NOTHROW(target.run(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
      ++files;
    }
    CHECK(files > 0);
  }
}
