// Per-key computation locks: OFD byte-range locks on the store's `locks` file,
// waited for by blocking in the kernel, with a timer signal as the time limit.
#include "store/lmdb/key_lock.hpp"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include <chrono>
#include <cstdint>
#include <cmath>
#include <cstring>
#include <utility>

#include "core/error.hpp"
#include "core/unique_fd.hpp"

namespace djc::lmdb {
namespace {

using SteadyClock = std::chrono::steady_clock;

// Far enough to mean "no limit" for a timer without overflowing its fields.
constexpr double max_wait_seconds = 1e9;
// After the deadline the timer fires again every 10 ms: a signal that landed just
// before fcntl began to block would otherwise be lost and the wait unbounded.
constexpr long refire_ns = 10'000'000;

class FileKeyLock final : public KeyLock {
 public:
  explicit FileKeyLock(UniqueFd fd) : fd_(std::move(fd)) {}

 private:
  UniqueFd fd_;  // the lock belongs to this open file description
};

[[noreturn]] void fail(const std::string& where, const std::string& what, int err) {
  throw Error(exit_code::io, where + ": " + what + ": " + std::strerror(err));
}

// O_NOFOLLOW: a symlink planted as `locks` must not make us create or lock
// another file. O_CLOEXEC: a getter must not inherit (and so prolong) the lock.
UniqueFd open_lock_file(const std::filesystem::path& dir, const std::string& where) {
  const std::filesystem::path path = dir / "locks";
  constexpr int flags = O_RDWR | O_CLOEXEC | O_NOFOLLOW;
  int fd = open(path.c_str(), flags | O_CREAT | O_EXCL, 0600);
  if (fd >= 0) {
    UniqueFd created(fd);
    if (fchmod(fd, 0600) != 0) fail(where, "chmod " + path.string(), errno);
    return created;
  }
  if (errno != EEXIST) fail(where, "cannot create " + path.string(), errno);
  fd = open(path.c_str(), flags);
  if (fd < 0 && errno == ELOOP) {
    throw Error(exit_code::io, where + ": " + path.string() + " is a symbolic link; refusing to follow it");
  }
  if (fd < 0) fail(where, "cannot open " + path.string(), errno);
  UniqueFd opened(fd);
  struct stat st {};
  if (fstat(fd, &st) != 0) fail(where, "stat " + path.string(), errno);
  if (!S_ISREG(st.st_mode)) {
    throw Error(exit_code::io, where + ": " + path.string() + " is not a regular file");
  }
  return opened;
}

struct flock lock_request(std::string_view key) {
  struct flock request {};
  request.l_type = F_WRLCK;
  request.l_whence = SEEK_SET;
  request.l_start = key_lock_offset(key);
  request.l_len = 1;
  request.l_pid = 0;  // required by F_OFD_*
  return request;
}

extern "C" void on_lock_timer(int) {}  // only there to interrupt fcntl with EINTR

// While alive: SIGALRM interrupts system calls of this thread (no SA_RESTART) and
// a timer sends it to this thread after `seconds`. Everything is restored after.
class LockTimer {
 public:
  LockTimer(double seconds, const std::string& where) {
    struct sigaction action {};
    action.sa_handler = on_lock_timer;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;
    if (sigaction(SIGALRM, &action, &old_action_) != 0) fail(where, "sigaction", errno);
    sigset_t alarm;
    sigemptyset(&alarm);
    sigaddset(&alarm, SIGALRM);
    pthread_sigmask(SIG_UNBLOCK, &alarm, &old_mask_);

    struct sigevent event {};
    event.sigev_notify = SIGEV_THREAD_ID;
    event.sigev_signo = SIGALRM;
    event._sigev_un._tid = gettid();
    if (timer_create(CLOCK_MONOTONIC, &event, &timer_) != 0) {
      int err = errno;
      restore();
      fail(where, "timer_create", err);
    }
    struct itimerspec spec {};
    double whole = std::floor(seconds);
    spec.it_value.tv_sec = static_cast<time_t>(whole);
    spec.it_value.tv_nsec = static_cast<long>((seconds - whole) * 1e9);
    if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0) spec.it_value.tv_nsec = 1;
    spec.it_interval.tv_nsec = refire_ns;
    if (timer_settime(timer_, 0, &spec, nullptr) != 0) {
      int err = errno;
      timer_delete(timer_);
      restore();
      fail(where, "timer_settime", err);
    }
  }
  LockTimer(const LockTimer&) = delete;
  LockTimer& operator=(const LockTimer&) = delete;
  ~LockTimer() {
    timer_delete(timer_);  // first: no signal is sent after the old handler is back
    restore();
  }

 private:
  void restore() {
    pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
    sigaction(SIGALRM, &old_action_, nullptr);
  }

  struct sigaction old_action_ {};
  sigset_t old_mask_{};
  timer_t timer_{};
};

bool try_once(int fd, std::string_view key, const std::string& where) {
  struct flock request = lock_request(key);
  if (fcntl(fd, F_OFD_SETLK, &request) == 0) return true;
  if (errno == EAGAIN || errno == EACCES) return false;
  fail(where, "lock a key", errno);
}

void wait_forever(int fd, std::string_view key, const std::string& where) {
  struct flock request = lock_request(key);
  while (fcntl(fd, F_OFD_SETLKW, &request) != 0) {
    if (errno != EINTR) fail(where, "lock a key", errno);
  }
}

bool wait_until(int fd, std::string_view key, double seconds, const std::string& where) {
  const auto deadline =
      SteadyClock::now() + std::chrono::duration_cast<SteadyClock::duration>(
                               std::chrono::duration<double>(seconds));
  LockTimer timer(seconds, where);
  struct flock request = lock_request(key);
  while (fcntl(fd, F_OFD_SETLKW, &request) != 0) {
    if (errno != EINTR) fail(where, "lock a key", errno);
    // Our timer, or another signal before the deadline: then wait on.
    if (SteadyClock::now() >= deadline) return false;
  }
  return true;
}

}  // namespace

off_t key_lock_offset(std::string_view key) {
  // 62 bits: positive, and start + length stays far below OFF_MAX.
  return static_cast<off_t>(XXH3_64bits(key.data(), key.size()) & ((std::uint64_t{1} << 62) - 1));
}

std::unique_ptr<KeyLock> take_key_lock(const std::filesystem::path& dir, const std::string& where,
                                       std::string_view key, std::optional<double> wait_seconds) {
  UniqueFd fd = open_lock_file(dir, where);
  bool had = true;
  if (!wait_seconds || *wait_seconds >= max_wait_seconds) {
    wait_forever(fd.get(), key, where);
  } else if (!(*wait_seconds > 0)) {  // 0, negative or NaN: one try
    had = try_once(fd.get(), key, where);
  } else {
    // Uncontended, as most locks are: taken without arming the timer (eight
    // system calls a miss would pay for nothing).
    had = try_once(fd.get(), key, where) || wait_until(fd.get(), key, *wait_seconds, where);
  }
  if (!had) return nullptr;
  return std::make_unique<FileKeyLock>(std::move(fd));
}

}  // namespace djc::lmdb
