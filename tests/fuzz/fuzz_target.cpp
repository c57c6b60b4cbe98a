// The libFuzzer entry point of one fuzz target, built once per target with
// DJC_FUZZ_TARGET naming it (a name of fuzz_targets.hpp; CMake: DJ_CACHE_FUZZ).
#include "fuzz_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const djc::fuzz::Target& target = djc::fuzz::find_target(DJC_FUZZ_TARGET);
  return target.run(data, size);
}
