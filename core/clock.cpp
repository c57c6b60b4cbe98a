// The system clock, with the DJ_CACHE_TEST_NOW override for tests.
#include "core/clock.hpp"

#include <chrono>
#include <cstdlib>
#include <optional>

namespace djc {
namespace {

std::optional<double> test_now() {
  const char* text = std::getenv("DJ_CACHE_TEST_NOW");
  if (!text || !*text) return std::nullopt;
  char* end = nullptr;
  double value = std::strtod(text, &end);
  if (*end != '\0') return std::nullopt;
  return value;
}

class SystemClock final : public Clock {
 public:
  double now() const override {
    if (fixed_) return *fixed_;
    auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
    return std::chrono::duration<double>(since_epoch).count();
  }

 private:
  std::optional<double> fixed_ = test_now();
};

}  // namespace

const Clock& system_clock() {
  static const SystemClock clock;
  return clock;
}

}  // namespace djc
