// `dj-cache run [OPTIONS] -- COMMAND [ARG...]`: ad-hoc caching of any command, as
// bkt does, on the store, locks and exit codes of `get` (core/adhoc.hpp).
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "cli/background.hpp"
#include "cli/cmd_run.hpp"
#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "core/adhoc.hpp"
#include "core/cache.hpp"
#include "core/diagnostics.hpp"
#include "core/error.hpp"
#include "core/getter.hpp"
#include "core/temp_dir.hpp"
#include "core/write_all.hpp"

namespace djc {
namespace {

constexpr const char* usage_line = "dj-cache run [OPTIONS] -- COMMAND [ARG...]";

// Thrown from the live output when stdout's reader has gone.
struct ReaderGone {};

std::optional<std::string> getenv_string(const char* name) {
  const char* value = std::getenv(name);
  if (!value) return std::nullopt;
  return std::string(value);
}

// Everything `fd` holds, to its end.
std::string read_all(int fd, const std::string& what) {
  std::string data;
  char buffer[64 * 1024];
  for (;;) {
    ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) throw Error(exit_code::io, "cannot read " + what + ": " + std::strerror(errno));
    if (got == 0) return data;
    data.append(buffer, static_cast<std::size_t>(got));
  }
}

// The input a background refresh was handed: read, then removed.
std::string take_input_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) throw Error(exit_code::io, "cannot read the input file " + path + ": " + std::strerror(errno));
  std::string input;
  try {
    input = read_all(fd, path);
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  ::unlink(path.c_str());
  return input;
}

// stdin for a background refresh, in a 0600 temp file the child removes.
std::optional<std::string> save_input(std::string_view input) {
  std::string path = temp_dir() + "/dj-cache-stdin.XXXXXX";
  int fd = ::mkostemp(path.data(), O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  bool ok = write_all(fd, input);
  ::close(fd);
  if (!ok) {
    ::unlink(path.c_str());
    return std::nullopt;
  }
  return path;
}

RunSpec make_spec(const RunCommand& command, std::vector<std::string> argv) {
  RunSpec spec;
  spec.argv = std::move(argv);
  if (command.ttl) {
    spec.ttl = parse_duration_option(*command.ttl, "--ttl");
  } else if (auto ttl = getenv_string("DJ_CACHE_TTL"); ttl && !ttl->empty()) {
    spec.ttl = parse_duration_option(*ttl, "$DJ_CACHE_TTL");
  }
  if (spec.ttl <= Duration::zero()) throw Error(exit_code::usage, "--ttl: must be more than 0");
  if (command.stale) spec.stale = parse_duration_option(*command.stale, "--stale");
  if (command.stale_on_error) {
    spec.stale_on_error = parse_duration_option(*command.stale_on_error, "--stale-on-error");
  }
  if (command.getter_timeout) {
    spec.getter_timeout = parse_duration_option(*command.getter_timeout, "--getter-timeout");
  }
  if (command.cwd) spec.cwd = std::filesystem::current_path().string();
  for (const std::string& name : command.env) {
    if (name.empty() || name.find('=') != std::string::npos) {
      throw Error(exit_code::usage, fmt::format("--env: '{}' is not a variable name", name));
    }
    spec.env.emplace_back(name, getenv_string(name.c_str()));
  }
  for (const std::string& file : command.modtime) {
    if (file.empty()) throw Error(exit_code::usage, "--modtime: empty file name");
    spec.modtime.push_back(std::filesystem::absolute(file).lexically_normal().string());
  }
  if (command.input_file) {
    spec.input = take_input_file(*command.input_file);
  } else if (command.read_stdin) {
    spec.input = read_all(0, "stdin");
  }
  if (command.scope) {
    spec.scope = *command.scope;
  } else if (auto scope = getenv_string("DJ_CACHE_SCOPE")) {
    spec.scope = *scope;
  }
  spec.cache_failures = command.cache_failures;
  return spec;
}

// The detached `run --background ...` that recomputes a stale entry: the same
// options, resolved (the child inherits our cwd and environment).
void start_background_run(Context& context, const RunSpec& spec, const RunCommand& command) {
  std::vector<std::string> arguments{"run", "--background", "--ttl", format_duration(spec.ttl),
                                     "--stale", format_duration(spec.stale)};
  if (spec.stale_on_error > Duration::zero()) {
    arguments.insert(arguments.end(), {"--stale-on-error", format_duration(spec.stale_on_error)});
  }
  if (command.getter_timeout) arguments.insert(arguments.end(), {"--getter-timeout", *command.getter_timeout});
  if (spec.cwd) arguments.push_back("--cwd");
  for (const auto& [name, value] : spec.env) arguments.insert(arguments.end(), {"--env", name});
  for (const auto& file : spec.modtime) arguments.insert(arguments.end(), {"--modtime", file});
  if (spec.input) {
    std::optional<std::string> path = save_input(*spec.input);
    if (!path) {
      warn("cannot save stdin for the background refresh; the entry stays stale");
      return;
    }
    arguments.insert(arguments.end(), {"--input-file", *path});
  }
  arguments.insert(arguments.end(), {"--scope", spec.scope});
  if (spec.cache_failures) arguments.push_back("--cache-failures");
  arguments.push_back("--");
  arguments.insert(arguments.end(), spec.argv.begin(), spec.argv.end());
  start_detached(context, arguments);
}

}  // namespace

int run_run(Context& context, const RunCommand& command) {
  if (command.argv.empty()) throw Error(exit_code::usage, "run: missing COMMAND", usage_line);
  if (command.warm && command.force) {
    throw Error(exit_code::usage, "run: --warm and --force exclude each other");
  }
  RunSpec spec = make_spec(command, command.argv);
  Worker worker = adhoc_worker(spec);
  Args args = adhoc_args(spec);

  // stdout and stderr both captured; shown live when the cache says the caller
  // gets this run's output (a miss, --force), else kept for the deliver below.
  Cache::Runner runner = [&spec](const Worker& adhoc, const Args&, const std::string&, bool live) {
    CommandIo io{.capture_stderr = true, .input = spec.input, .what = "the command"};
    if (live) {
      // Our reader went away (`dj-cache run -- yes | head -1`): stop the command, as
      // SIGPIPE would have stopped it without us, rather than capture it forever.
      io.on_output = [](std::string_view chunk) {
        if (!write_stdout(chunk)) throw ReaderGone{};
      };
      io.on_error_output = write_stderr;
    }
    GetterResult result;
    try {
      result = run_command(adhoc, io);  // a throw from io kills and reaps the command
    } catch (const ReaderGone&) {
      result.exit_code = 128 + SIGPIPE;  // as a shell reports a writer killed by SIGPIPE
    }
    result.shown = live;
    return result;
  };
  Cache::RefreshLauncher refresh = [&](const Worker&, const Args&) {
    start_background_run(context, spec, command);
  };
  Cache cache(*context.store(OpenMode::write), context.clock(), refresh, runner);
  GetOptions options{.force = command.force, .no_wait = command.no_wait, .overrides = {}};

  if (command.background) return cache.refresh_if_stale(worker, args).exit_code;
  if (command.warm) return cache.recompute(worker, args, options).exit_code;
  GetResult result = cache.get(worker, args, options, [](const EntryRef& entry) {
    write_stdout(entry.value);
    write_stderr(entry.meta.error_output);
  });
  return result.exit_code;
}

void add_run_command(CLI::App& app, Context& context) {
  auto command = std::make_shared<RunCommand>();
  CLI::App* run = app.add_subcommand("run", "Cache any command's output, no config needed (as bkt)");
  // Options come before COMMAND; from it on every word is the command's ("--"
  // before it lets it start with a dash). Global options may follow run too.
  run->positionals_at_end();
  run->add_option("--ttl", command->ttl, "Entry lifetime (default $DJ_CACHE_TTL, else 1m)");
  run->add_option("--stale", command->stale,
                  "After this age, serve the entry and refresh it in the background");
  run->add_option("--stale-on-error", command->stale_on_error,
                  "When the command fails, serve an entry expired less than this ago");
  run->add_flag("--cwd", command->cwd, "The working directory joins the key");
  run->add_option("--env", command->env, "This variable's value joins the key (repeatable)")
      ->allow_extra_args(false);
  run->add_option("--modtime", command->modtime,
                  "A change of this file (mtime, size, inode) is a miss (repeatable)")
      ->allow_extra_args(false);
  run->add_flag("--stdin", command->read_stdin, "Read stdin, key on it and feed it to the command");
  run->add_option("--scope", command->scope, "Keep callers apart (default $DJ_CACHE_SCOPE)");
  run->add_flag("--cache-failures", command->cache_failures, "Cache a non-zero exit too");
  run->add_flag("--warm", command->warm, "Run now and store, print nothing");
  run->add_flag("-f,--force", command->force, "Run now, store and print");
  run->add_flag("--no-wait", command->no_wait,
                "Exit 75 at once when another process is running the command");
  run->add_option("--getter-timeout", command->getter_timeout,
                  "Kill the command after this (default: no limit); exit 124");
  run->add_option("COMMAND", command->argv, "The command and its arguments, run as given");
  run->add_flag("--background", command->background)->group("");
  run->add_option("--input-file", command->input_file)->group("");
  run->footer(
      "Replays stdout byte for byte, stderr and the exit code. Only exit 0 is cached\n"
      "unless --cache-failures. Never through a shell. List them: dj-cache list @run.\n"
      "Example: dj-cache run --ttl 5m --stale 1m -- curl -s https://example.com/status");
  run->callback([command, &context] { context.exit_code = run_run(context, *command); });
}

}  // namespace djc
