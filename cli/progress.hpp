// A progress line for long operations (refresh, warm, purge, import, invalidate):
// redrawn in place on stderr, at most ten times a second, only when stderr is a
// terminal and -q is not given; erased when the operation ends, before its summary.
//
//   Progress progress("refresh", keys.size());   // 0: the total is unknown
//   for (const auto& key : keys) { ...; progress.step(); }
//
// Draws "dj-cache: refresh 120/3400 (3%)" (or "dj-cache: warm 120" without a
// total), first after 100 ms: a quick operation shows none. Warnings printed
// meanwhile (core/diagnostics.hpp) erase it first; the next step redraws it.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace djc {

class Progress {
 public:
  Progress(std::string what, std::size_t total);
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  ~Progress();

  // `done` more items are finished.
  void step(std::size_t done = 1);
  // Erases the line now (before a summary printed while this object lives).
  void finish();

 private:
  void draw();

  std::string what_;
  std::size_t total_;
  std::size_t done_ = 0;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point next_draw_;
};

}  // namespace djc
