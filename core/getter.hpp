// Running a worker's getter: argv from placeholders (never a shell unless the
// command is a string), environment, process group, timeout.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/args.hpp"
#include "core/captured_output.hpp"
#include "core/config.hpp"

namespace djc {

struct GetterResult {
  CapturedOutput output;     // stdout, byte for byte (in a temporary file when large)
  std::string error_output;  // stderr, when CommandIo::capture_stderr asked for it
  int exit_code = 0;         // its exit code; 128+N when killed by signal N; 124 on timeout
  bool timed_out = false;
  bool shown = false;        // the output already reached the caller live (a Cache::Runner streamed it)
  double duration = 0;       // seconds
};

// The argv the getter runs with: placeholders {name}, {0}, {1}, {label}, {key}
// replaced element by element; args used by no placeholder appended (positional in
// order, then --name=value sorted by name, one per list element, `--name=` for
// None). A string command becomes {"/bin/sh", "-c", script, label, args...} so the
// script sees the args as "$@".
// Details: a placeholder for a list is its values joined by ","; for None or an
// absent arg it is empty. `{{` and `}}` are literal braces. {label} and {key} always
// mean the label and the key (an arg named so is appended as --label=...). A
// positional used by a placeholder is not appended. Placeholders inside a shell
// string are NOT substituted: that would hand the args' text to the shell (an arg
// `$(rm -rf ~)` would run); the script reads "$1"... or "$@" instead.
std::vector<std::string> getter_argv(const Worker& worker, const Args& args, std::string_view key);

// Runs the getter: stdin /dev/null, stderr passed through, stdout captured (and
// handed to `on_output` chunk by chunk as it arrives, when given), its own process
// group, environment = ours + worker.env + DJ_CACHE_LABEL/KEY/ARGS (or
// DJ_CACHE_ARGS_FILE when the JSON passes 64 KiB), working directory worker.cwd.
// After worker.getter_timeout the whole group gets SIGTERM, then SIGKILL 2 s later;
// the result then has timed_out and exit code 124, and nothing of the group is left.
// A command that cannot be started gives exit code 127 (not found) or 126 (not
// executable, or cwd missing) with a message on stderr, as shells do.
// command[0] without a '/' is looked up in the PATH of the getter's environment
// (worker.env may set it), as `env` does.
// Background processes the getter leaves in its group are killed once it exits
// (after a short grace for those still writing to its stdout); detach one with
// setsid to keep it. While a getter runs this process is a child subreaper, so it
// can reap them (a process orphaned meanwhile becomes our child).
// Throws Error(74) only when the system refuses resources (pipe, temp file).
GetterResult run_getter(const Worker& worker, const Args& args, std::string_view key,
                        const std::function<void(std::string_view)>& on_output = {});

// How run_command connects the command. stdout is always captured.
struct CommandIo {
  std::function<void(std::string_view)> on_output{};      // each stdout chunk as it arrives
  bool capture_stderr = false;                             // else stderr is ours, passed through
  std::function<void(std::string_view)> on_error_output{};  // each stderr chunk (when captured)
  std::optional<std::string_view> input{};                   // stdin's bytes; else /dev/null
  const char* what = nullptr;  // the timeout message's subject; default "getter for LABEL"
};

// Runs worker.command as an argv exactly as given (no placeholders, no args
// appended, never a shell), with our environment plus worker.env, in worker.cwd,
// under worker.getter_timeout: run_getter's process handling for `dj-cache run`.
// stdin gets io.input from a 0600 temp file (removed after), so a command that
// reads only part of it, or none, cannot block us.
GetterResult run_command(const Worker& worker, const CommandIo& io);

// The process group of the getter this process is running now (0 when none). The
// getter has its own group, so the terminal's ^C does not reach it: a SIGINT/SIGTERM
// handler forwards the signal with kill(-group, sig). Safe to call in a handler.
int running_getter_group();

}  // namespace djc
