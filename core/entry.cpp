// The value checksum of an entry: XXH3-64, fast enough to verify on every hit.
#include "core/entry.hpp"

#include <xxhash.h>

namespace djc {

uint64_t value_checksum(std::string_view value) {
  return XXH3_64bits(value.data(), value.size());
}

}  // namespace djc
