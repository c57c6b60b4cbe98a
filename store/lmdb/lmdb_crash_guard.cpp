// Turning crashes inside LMDB on a damaged data.mdb into exit 74 with a message
// (see lmdb_crash_guard.hpp). Only async-signal-safe calls in the handlers.
#include "store/lmdb/lmdb_crash_guard.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "core/error.hpp"

namespace djc::lmdb {
namespace {

// Prepared before any fault: a handler may not allocate or format.
char message[1024];
std::size_t message_size = 0;

void write_all(const char* text, std::size_t size) {
  while (size > 0) {
    ssize_t n = ::write(STDERR_FILENO, text, size);
    if (n <= 0) return;
    text += n;
    size -= static_cast<std::size_t>(n);
  }
}

[[noreturn]] void die(const char* what) {
  write_all(message, message_size);
  write_all(what, std::strlen(what));
  const char tail[] = "); move it away to start afresh\n";
  write_all(tail, sizeof tail - 1);
  ::_exit(exit_code::io);
}

extern "C" void on_fault(int signal) { die(signal == SIGBUS ? "SIGBUS" : "SIGSEGV"); }

extern "C" void on_assert(MDB_env*, const char*) { die("an LMDB assertion failed"); }

}  // namespace

void guard_against_damaged_pages(MDB_env* env, const std::string& where) {
  std::string text = "dj-cache: " + where + ": data.mdb looks damaged (";
  message_size = std::min(text.size(), sizeof message);
  std::memcpy(message, text.data(), message_size);
  mdb_env_set_assert(env, on_assert);
  struct sigaction action {};
  action.sa_handler = on_fault;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND;  // a fault inside the handler ends the process plainly
  sigaction(SIGSEGV, &action, nullptr);
  sigaction(SIGBUS, &action, nullptr);
}

}  // namespace djc::lmdb
