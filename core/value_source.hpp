// A value on its way into a store, wherever its bytes are: in memory, or in a
// file (a getter's large output, core/captured_output.hpp) that the store copies
// straight into the space it reserved, so a large value is never in memory twice.
#pragma once

#include <cstddef>
#include <cstring>
#include <string_view>

namespace djc {

class ValueSource {
 public:
  virtual ~ValueSource() = default;
  virtual std::size_t size() const = 0;
  // Writes the whole value, size() bytes, to `out`.
  virtual void copy_to(char* out) const = 0;
};

// Bytes already in memory.
class ValueView final : public ValueSource {
 public:
  explicit ValueView(std::string_view bytes) : bytes_(bytes) {}
  std::size_t size() const override { return bytes_.size(); }
  void copy_to(char* out) const override {
    if (!bytes_.empty()) std::memcpy(out, bytes_.data(), bytes_.size());
  }

 private:
  std::string_view bytes_;
};

}  // namespace djc
