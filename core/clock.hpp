// Wall-clock time as seconds since the epoch, behind an interface tests replace.
#pragma once

namespace djc {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual double now() const = 0;  // Unix seconds, fractional
};

// The real clock. When the environment variable DJ_CACHE_TEST_NOW holds a number,
// that number (Unix seconds) is "now" instead, so end-to-end tests can step over
// an expiry without sleeping.
const Clock& system_clock();

}  // namespace djc
