// Running a getter: spawned without a shell in its own process group, stdout
// captured through a pipe, the whole group killed on timeout and when it is done.
//
// The loop waits with poll() on the stdout pipe and a pidfd of the getter, with the
// deadline as poll's timeout: no sleeping. The getter is reaped only at the very
// end, so while we signal its group the group id cannot be reused by another
// process (a zombie leader keeps it taken).
//
// While a getter runs we are a child subreaper (prctl): its orphaned background
// processes become our children instead of init's, so after the final SIGKILL we
// reap the whole group and it is gone when run_getter returns. Left to init they
// would linger as zombies (still group members) for as long as init takes.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <tuple>

#include "core/error.hpp"
#include "core/getter.hpp"
#include "core/getter_launch.hpp"

namespace djc {
namespace {

using namespace getter_detail;
using Clock = std::chrono::steady_clock;

// Above this the args JSON goes to a file: Linux caps one environment string at 128 KiB.
constexpr std::size_t max_env_args_size = 64 * 1024;
// After SIGTERM on timeout, how long the group has to go before SIGKILL.
constexpr auto term_grace = std::chrono::seconds(2);
// After the getter exits, how long stray children may still write to its stdout.
constexpr auto stray_output_grace = std::chrono::milliseconds(500);
// Only without pidfds (kernels before 5.3): how often to look whether it exited.
constexpr auto exit_check_interval = std::chrono::milliseconds(50);
constexpr std::size_t read_chunk_size = 64 * 1024;
// Longer timeouts are this one ("never", in effect), so deadline arithmetic cannot overflow.
constexpr Duration max_getter_timeout = std::chrono::hours(24 * 365 * 100);

std::atomic<int> running_group{0};

[[noreturn]] void throw_system(const std::string& what) {
  throw Error(exit_code::io, "cannot run the getter: " + what + ": " + std::strerror(errno));
}

// "300ms", "1.5s", "5m", "1h30m": for the timeout message.
std::string describe(Duration d) {
  long long ms = d.count();
  if (ms < 1000) return std::to_string(ms) + "ms";
  if (ms % 1000 != 0) {
    char text[32];
    std::snprintf(text, sizeof text, "%gs", static_cast<double>(ms) / 1000);
    return text;
  }
  long long s = ms / 1000;
  std::string out;
  if (s >= 3600) out += std::to_string(s / 3600) + "h";
  if (s % 3600 >= 60) out += std::to_string(s % 3600 / 60) + "m";
  if (s % 60 != 0) out += std::to_string(s % 60) + "s";
  return out;
}

// Makes this process a child subreaper for its lifetime; nests across threads, and
// leaves the flag as it found it.
class SubreaperScope {
 public:
  SubreaperScope() {
    std::lock_guard lock(mutex_);
    if (users_++ > 0) return;
    int was = 0;
    ::prctl(PR_GET_CHILD_SUBREAPER, &was, 0, 0, 0);
    was_set_ = was != 0;
    if (!was_set_) ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  }
  ~SubreaperScope() {
    std::lock_guard lock(mutex_);
    if (--users_ == 0 && !was_set_) ::prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
  }
  SubreaperScope(const SubreaperScope&) = delete;
  SubreaperScope& operator=(const SubreaperScope&) = delete;

 private:
  static inline std::mutex mutex_;
  static inline int users_ = 0;
  static inline bool was_set_ = false;
};

UniqueFd open_pidfd(pid_t pid) {
#ifdef SYS_pidfd_open
  return UniqueFd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));  // -1 when unsupported
#else
  (void)pid;
  return UniqueFd();
#endif
}

// One output of the getter we read: its pipe, where its bytes go, who sees them live.
struct Stream {
  UniqueFd fd;
  std::function<void(std::string_view)> capture;                // keeps each chunk, when set
  const std::function<void(std::string_view)>* live = nullptr;  // and/or handed on as read
};

// Watches one spawned getter to its end, reading its stdout (and its stderr, when
// that is captured too). Destroying it before finish() (an exception, e.g. from a
// live callback) kills the group and reaps, so nothing leaks.
class Supervisor {
 public:
  Supervisor(pid_t pid, std::vector<Stream> streams)
      : pid_(pid), pidfd_(open_pidfd(pid)), streams_(std::move(streams)),
        buffer_(std::make_unique_for_overwrite<char[]>(read_chunk_size)) {
    running_group.store(pid_);
  }
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;
  ~Supervisor() {
    if (reaped_) return;
    // Unwinding: no more output, a live callback may be what threw.
    signal_group(SIGKILL);
    for (Stream& stream : streams_) stream.fd.reset();
    reap();
  }

  // Runs until the getter has exited and its output is read, or the deadline
  // passed; returns the wait status and whether it timed out.
  std::pair<int, bool> run(Clock::time_point deadline) {
    while (!exited_at_) {
      if (Clock::now() >= deadline) return {terminate(), true};
      wait_for_events(deadline);
    }
    // It exited: give strays still holding its output a moment, then stop. (Its
    // own output is all in the pipes by now; finish() reads that whatever the time.)
    Clock::time_point stop_at = *exited_at_ + stray_output_grace;
    while (any_open() && Clock::now() < stop_at) wait_for_events(stop_at);
    return {finish(), false};
  }

 private:
  bool any_open() const {
    return std::any_of(streams_.begin(), streams_.end(),
                       [](const Stream& stream) { return bool(stream.fd); });
  }

  // SIGTERM to the group (SIGCONT too, so stopped members see it), up to
  // term_grace for the getter to exit and its output to close, then finish().
  int terminate() {
    signal_group(SIGTERM);
    signal_group(SIGCONT);
    Clock::time_point kill_at = Clock::now() + term_grace;
    while ((any_open() || !exited_at_) && Clock::now() < kill_at) wait_for_events(kill_at);
    return finish();
  }

  // SIGKILL to whatever is left of the group, last output, reap. The leader is
  // reaped after the kill, so the group id was still ours when we sent it.
  int finish() {
    signal_group(SIGKILL);
    for (Stream& stream : streams_) {
      drain(stream);
      stream.fd.reset();
    }
    return reap();
  }

  // Reaps the getter and every member of its group orphaned to us (all killed by
  // now); returns the getter's wait status.
  int reap() {
    int leader_status = 0;
    for (;;) {
      int status = 0;
      pid_t got = ::waitpid(-pid_, &status, 0);
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) break;  // ECHILD: none of the group is left
      if (got == pid_) leader_status = status;
    }
    reaped_ = true;
    running_group.store(0);
    return leader_status;
  }

  void signal_group(int sig) { ::kill(-pid_, sig); }

  // One poll() until `until`: reads a chunk of each ready output, notices the exit.
  void wait_for_events(Clock::time_point until) {
    pollfd fds[3];
    Stream* polled[3] = {};
    nfds_t count = 0;
    for (Stream& stream : streams_) {
      if (!stream.fd) continue;
      polled[count] = &stream;
      fds[count++] = {stream.fd.get(), POLLIN, 0};
    }
    nfds_t outputs = count;
    bool watch_exit = !exited_at_ && pidfd_;
    if (watch_exit) fds[count++] = {pidfd_.get(), POLLIN, 0};
    auto wait = std::chrono::ceil<std::chrono::milliseconds>(until - Clock::now());
    if (!exited_at_ && !pidfd_) {
      wait = std::min<std::chrono::milliseconds>(wait, exit_check_interval);
    }
    int timeout = static_cast<int>(std::clamp<long long>(wait.count(), 0, 1 << 30));
    int ready = ::poll(fds, count, timeout);
    if (ready < 0 && errno != EINTR) throw_system("poll");
    for (nfds_t i = 0; ready > 0 && i < outputs; ++i) {
      if (fds[i].revents != 0) read_chunk(*polled[i]);
    }
    if (!exited_at_ && has_exited()) exited_at_ = Clock::now();
  }

  // Whether the getter exited, without reaping it (the zombie holds the group id).
  bool has_exited() const {
    if (pidfd_) {
      pollfd fd = {pidfd_.get(), POLLIN, 0};
      return ::poll(&fd, 1, 0) > 0;
    }
    siginfo_t info{};
    return ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
           info.si_pid != 0;
  }

  // What the pipe holds once no one of the group writes any more: at most its
  // capacity, so a writer that escaped the group cannot keep us here.
  void drain(Stream& stream) {
    if (!stream.fd) return;
    long capacity = ::fcntl(stream.fd.get(), F_GETPIPE_SZ);
    std::size_t left = capacity > 0 ? static_cast<std::size_t>(capacity) : std::size_t{1} << 20;
    while (stream.fd && left > 0) {
      std::size_t got = read_chunk(stream);
      if (got == 0) return;
      left -= std::min(got, left);
    }
  }

  // One read, returning its size; EOF closes our end. A fire-hose getter cannot
  // starve the deadline check, since each poll() reads at most one chunk.
  std::size_t read_chunk(Stream& stream) {
    ssize_t got = 0;
    do {
      got = ::read(stream.fd.get(), buffer_.get(), read_chunk_size);
    } while (got < 0 && errno == EINTR);
    if (got < 0 && errno == EAGAIN) return 0;
    if (got <= 0) {
      stream.fd.reset();
      return 0;
    }
    std::string_view chunk(buffer_.get(), static_cast<std::size_t>(got));
    if (stream.capture) stream.capture(chunk);
    if (stream.live && *stream.live) (*stream.live)(chunk);
    return chunk.size();
  }

  pid_t pid_;
  UniqueFd pidfd_;
  std::vector<Stream> streams_;
  std::unique_ptr<char[]> buffer_;  // not zeroed: a small output touches one page of it
  std::optional<Clock::time_point> exited_at_;
  bool reaped_ = false;
};

int exit_code_of(int status) {
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

GetterResult not_started(const Launch& launch, Clock::time_point start) {
  std::fprintf(stderr, "%s\n", launch.message.c_str());
  GetterResult result;
  result.exit_code = launch.exit_code;
  result.duration = seconds_since(start);
  return result;
}

// Ours + worker.env + DJ_CACHE_*; a too-big args JSON goes to a new `args_file`.
std::vector<std::string> getter_environment(const Worker& worker, const Args& args,
                                            std::string_view key,
                                            std::unique_ptr<ArgsFile>& args_file) {
  std::vector<std::pair<std::string, std::string>> overrides = worker.env;
  overrides.emplace_back("DJ_CACHE_LABEL", worker.label);
  overrides.emplace_back("DJ_CACHE_KEY", std::string(key));
  std::string json = args_to_json(args);
  if (json.size() > max_env_args_size) {
    args_file = std::make_unique<ArgsFile>(json);
    overrides.emplace_back("DJ_CACHE_ARGS_FILE", args_file->path());
  } else {
    overrides.emplace_back("DJ_CACHE_ARGS", std::move(json));
  }
  return build_environment(overrides);
}

// Spawns `argv` with `env` and supervises it to its end (the common part of
// run_getter and run_command).
GetterResult run_process(const Worker& worker, std::vector<std::string> argv,
                         std::vector<std::string> env, const CommandIo& io,
                         Clock::time_point start) {
  Launch launch = resolve_program(argv, env, worker);
  if (launch.exit_code != 0) return not_started(launch, start);
  std::unique_ptr<ArgsFile> input;  // stdin's bytes, in a file the command reads at its pace
  if (io.input) input = std::make_unique<ArgsFile>(*io.input, "dj-cache-stdin");
  auto [stdout_read, stdout_write] = make_pipe();
  UniqueFd stderr_read, stderr_write;
  if (io.capture_stderr) std::tie(stderr_read, stderr_write) = make_pipe();
  SubreaperScope subreaper;  // before the spawn: the getter's orphans must come to us
  pid_t pid = 0;
  SpawnIo spawn_io{.stdout_fd = stdout_write.get(),
                   .stderr_fd = stderr_write ? stderr_write.get() : -1,
                   .stdin_path = input ? &input->path() : nullptr};
  int error = spawn_getter(pid, launch.path, argv, std::move(env), worker, spawn_io);
  if (error != 0) return not_started(spawn_failure(error, argv.front()), start);
  stdout_write.reset();  // else we would never see EOF
  stderr_write.reset();

  GetterResult result;
  std::vector<Stream> streams;
  streams.push_back({std::move(stdout_read),
                     [&result](std::string_view chunk) { result.output.append(chunk); },
                     &io.on_output});
  if (stderr_read) {
    streams.push_back({std::move(stderr_read),
                       [&result](std::string_view chunk) { result.error_output.append(chunk); },
                       &io.on_error_output});
  }
  Supervisor supervisor(pid, std::move(streams));
  Duration timeout = std::min(worker.getter_timeout, max_getter_timeout);
  auto [status, timed_out] = supervisor.run(start + timeout);
  result.duration = seconds_since(start);
  result.timed_out = timed_out;
  result.exit_code = timed_out ? exit_code::getter_timeout : exit_code_of(status);
  if (timed_out) {
    std::string subject = io.what ? std::string(io.what) : "getter for " + worker.label;
    std::string message =
        "dj-cache: " + subject + " timed out after " + describe(worker.getter_timeout) + "\n";
    std::fputs(message.c_str(), stderr);
  }
  return result;
}

}  // namespace

int running_getter_group() { return running_group.load(); }

GetterResult run_getter(const Worker& worker, const Args& args, std::string_view key,
                        const std::function<void(std::string_view)>& on_output) {
  Clock::time_point start = Clock::now();
  std::vector<std::string> argv = getter_argv(worker, args, key);
  std::unique_ptr<ArgsFile> args_file;  // outlives the getter: removed after it ends
  std::vector<std::string> env = getter_environment(worker, args, key, args_file);
  CommandIo io{.on_output = on_output};
  return run_process(worker, std::move(argv), std::move(env), io, start);
}

GetterResult run_command(const Worker& worker, const CommandIo& io) {
  Clock::time_point start = Clock::now();
  return run_process(worker, worker.command, build_environment(worker.env), io, start);
}

}  // namespace djc
