// Tests of core/getter: argv templating, and running real small commands.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/getter.hpp"
#include "temp_dir.hpp"

using djc::testing::TempDir;

namespace fs = std::filesystem;
using djc::Args;
using djc::getter_argv;
using djc::parse_args;
using djc::run_getter;
using djc::Worker;
using Strings = std::vector<std::string>;
using namespace std::chrono_literals;

namespace {

Worker argv_worker(Strings command) {
  Worker worker;
  worker.label = "lbl";
  worker.command = std::move(command);
  worker.getter_timeout = 10s;
  return worker;
}

Worker shell_worker(std::string script) {
  Worker worker = argv_worker({std::move(script)});
  worker.command_is_shell = true;
  return worker;
}

bool group_gone(pid_t pgid) { return ::kill(-pgid, 0) != 0 && errno == ESRCH; }

// The getter scripts below print $$ (the group id: the getter leads its group) first.
pid_t first_line_pid(const std::string& output) { return std::atoi(output.c_str()); }

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TEST_CASE("getter_argv replaces placeholders element by element", "[getter]") {
  Worker worker = argv_worker({"./get", "--a={attr1}", "{0}/{attr2}/{label}/{key}", "{{x}}"});
  Args args = parse_args({"p0", "p1", "attr1=one two", "attr2=2", "extra=e"});
  CHECK(getter_argv(worker, args, "K") ==
        Strings{"./get", "--a=one two", "p0/2/lbl/K", "{x}", "p1", "--extra=e"});
}

TEST_CASE("getter_argv appends unused args in the documented order", "[getter]") {
  Worker worker = argv_worker({"get"});
  Args args = parse_args({"b=2", "p0", "a=x", "l=1", "l=2", "n=", "p1"});
  CHECK(getter_argv(worker, args, "K") ==
        Strings{"get", "p0", "p1", "--a=x", "--b=2", "--l=1", "--l=2", "--n="});
}

TEST_CASE("getter_argv: lists join with commas, None and absent are empty", "[getter]") {
  Worker worker = argv_worker({"get", "{l}|{n}|{missing}|{5}", "{1}"});
  Args args = parse_args({"p0", "p1", "l=1", "l=2", "n="});
  CHECK(getter_argv(worker, args, "K") == Strings{"get", "1,2|||", "p1", "p0"});
}

TEST_CASE("getter_argv: {label} and {key} are not args", "[getter]") {
  Worker worker = argv_worker({"get", "{label}", "{key}"});
  Args args = parse_args({"label=L", "key=X"});
  CHECK(getter_argv(worker, args, "K") == Strings{"get", "lbl", "K", "--key=X", "--label=L"});
}

TEST_CASE("getter_argv: a shell string gets the args as $@, unsubstituted", "[getter]") {
  Worker worker = shell_worker("echo {a} \"$@\"");
  Args args = parse_args({"p0", "a=1"});
  CHECK(getter_argv(worker, args, "K") ==
        Strings{"/bin/sh", "-c", "echo {a} \"$@\"", "lbl", "p0", "--a=1"});
}

TEST_CASE("run_getter captures binary output byte for byte", "[getter]") {
  auto result = run_getter(argv_worker({"printf", "\\000\\001\\002\\377a\\000"}), Args{}, "K");
  CHECK(result.exit_code == 0);
  CHECK_FALSE(result.timed_out);
  CHECK(result.output == std::string("\0\1\2\377a\0", 6));
  CHECK(result.duration >= 0);
  CHECK(djc::running_getter_group() == 0);
}

TEST_CASE("run_getter reads large output whole and streams it", "[getter]") {
  std::string streamed;
  std::size_t chunks = 0;
  auto result = run_getter(argv_worker({"head", "-c", "3000000", "/dev/zero"}), Args{}, "K",
                           [&](std::string_view chunk) {
                             streamed.append(chunk);
                             ++chunks;
                           });
  CHECK(result.output.size() == 3000000);
  CHECK(result.output == streamed);
  CHECK(chunks > 1);
}

TEST_CASE("run_getter passes args without any shell interpretation", "[getter]") {
  TempDir dir;
  fs::path marker = dir.path / "x";
  std::string evil = "$(touch " + marker.string() + ")";
  std::string odd = "sp ace 'q' \"dq\"\nline2 `touch " + marker.string() + "` ;|&";
  Worker worker = argv_worker({"printf", "[%s]", "{a}", "pre{0}post"});
  Args args = parse_args({evil, "a=" + odd, "rest=" + evil});
  auto result = run_getter(worker, args, "K");
  CHECK(result.exit_code == 0);
  CHECK(result.output == "[" + odd + "][pre" + evil + "post][--rest=" + evil + "]");
  CHECK_FALSE(fs::exists(marker));

  // The same through a shell string: the args arrive as "$@", never as script text.
  auto shell = run_getter(shell_worker("printf '[%s]' \"$0\" \"$@\""), args, "K");
  CHECK(shell.output == "[lbl][" + evil + "][--a=" + odd + "][--rest=" + evil + "]");
  CHECK_FALSE(fs::exists(marker));
}

TEST_CASE("run_getter sets the environment", "[getter]") {
  ::setenv("DJC_TEST_INHERITED", "inherited", 1);
  ::setenv("DJC_TEST_OVERRIDDEN", "old", 1);
  ::setenv("DJ_CACHE_ARGS_FILE", "/stale/from/outer", 1);
  Worker worker = shell_worker(
      "printf '%s|' \"$DJ_CACHE_LABEL\" \"$DJ_CACHE_KEY\" \"$DJ_CACHE_ARGS\" "
      "\"${DJ_CACHE_ARGS_FILE-unset}\" \"$DJC_TEST_INHERITED\" \"$DJC_TEST_OVERRIDDEN\" "
      "\"$EXTRA\"");
  worker.env = {{"DJC_TEST_OVERRIDDEN", "new"}, {"EXTRA", "e1"}, {"EXTRA", "e2"}};
  auto result = run_getter(worker, parse_args({"p", "a=1"}), "lbl:p:a=1");
  ::unsetenv("DJ_CACHE_ARGS_FILE");
  CHECK(result.output ==
        R"(lbl|lbl:p:a=1|{"args":["p"],"kwargs":{"a":"1"}}|unset|inherited|new|e2|)");
}

TEST_CASE("run_getter puts big args in DJ_CACHE_ARGS_FILE, removed afterwards", "[getter]") {
  Args args = parse_args({"big=" + std::string(70 * 1024, 'b')});
  Worker worker = shell_worker(
      "test -z \"${DJ_CACHE_ARGS+set}\" || exit 9; "
      "stat -c %a \"$DJ_CACHE_ARGS_FILE\"; echo \"$DJ_CACHE_ARGS_FILE\"; "
      "cat \"$DJ_CACHE_ARGS_FILE\"");
  auto result = run_getter(worker, args, "K");
  REQUIRE(result.exit_code == 0);
  auto first_newline = result.output.view().find('\n');
  auto second_newline = result.output.view().find('\n', first_newline + 1);
  REQUIRE(second_newline != std::string::npos);
  CHECK(result.output.view().substr(0, first_newline) == "600");
  std::string path(result.output.view().substr(first_newline + 1, second_newline - first_newline - 1));
  CHECK(result.output.view().substr(second_newline + 1) == djc::args_to_json(args));
  CHECK_FALSE(fs::exists(path));
}

TEST_CASE("run_getter: stdin is /dev/null", "[getter]") {
  auto start = std::chrono::steady_clock::now();
  auto result = run_getter(argv_worker({"cat"}), Args{}, "K");
  CHECK(result.exit_code == 0);
  CHECK(result.output.view().empty());
  CHECK(seconds_since(start) < 2);
}

TEST_CASE("run_getter honours cwd, and PATH from worker.env", "[getter]") {
  TempDir dir;
  fs::path tool = dir.path / "djc-test-tool";
  std::ofstream(tool) << "#!/bin/sh\npwd\n";
  fs::permissions(tool, fs::perms::owner_all);
  Worker worker = argv_worker({"djc-test-tool"});
  worker.cwd = dir.path;
  worker.env = {{"PATH", dir.path.string() + ":/usr/bin:/bin"}};
  auto result = run_getter(worker, Args{}, "K");
  CHECK(result.exit_code == 0);
  CHECK(result.output == fs::canonical(dir.path).string() + "\n");
}

TEST_CASE("run_getter returns the getter's exit code, 128+N for a signal", "[getter]") {
  auto failed = run_getter(shell_worker("printf partial; exit 3"), Args{}, "K");
  CHECK(failed.exit_code == 3);
  CHECK(failed.output == "partial");
  CHECK_FALSE(failed.timed_out);
  CHECK(run_getter(shell_worker("kill -9 $$"), Args{}, "K").exit_code == 128 + 9);
  CHECK(run_getter(shell_worker("kill -TERM $$"), Args{}, "K").exit_code == 128 + 15);
}

TEST_CASE("run_getter: cannot start gives 127 or 126", "[getter]") {
  TempDir dir;
  CHECK(run_getter(argv_worker({"djc-no-such-command-here"}), Args{}, "K").exit_code == 127);
  CHECK(run_getter(argv_worker({(dir.path / "missing").string()}), Args{}, "K").exit_code == 127);
  fs::path plain = dir.path / "not-executable";
  std::ofstream(plain) << "echo hi\n";
  fs::permissions(plain, fs::perms::owner_read | fs::perms::owner_write);
  CHECK(run_getter(argv_worker({plain.string()}), Args{}, "K").exit_code == 126);
  CHECK(run_getter(argv_worker({dir.path.string()}), Args{}, "K").exit_code == 126);
  Worker in_missing_dir = argv_worker({"true"});
  in_missing_dir.cwd = dir.path / "nope";
  CHECK(run_getter(in_missing_dir, Args{}, "K").exit_code == 126);
}

TEST_CASE("run_getter timeout: TERM ignored, then KILL, nothing left", "[getter]") {
  Worker worker = shell_worker("echo $$; trap '' TERM; sleep 30; echo survived");
  worker.getter_timeout = 300ms;
  auto start = std::chrono::steady_clock::now();
  auto result = run_getter(worker, Args{}, "K");
  double took = seconds_since(start);
  CHECK(result.timed_out);
  CHECK(result.exit_code == 124);
  CHECK(took >= 2.2);  // the 2 s after TERM were given
  CHECK(took < 0.3 + 2.5);
  pid_t pgid = first_line_pid(std::string(result.output.view()));
  REQUIRE(pgid > 1);
  CHECK(group_gone(pgid));
  CHECK(result.output.view().find("survived") == std::string::npos);
}

TEST_CASE("run_getter timeout with a background child", "[getter]") {
  Worker worker = shell_worker("sleep 30 & sleep 30 >/dev/null & echo $$; sleep 30");
  worker.getter_timeout = 300ms;
  auto start = std::chrono::steady_clock::now();
  auto result = run_getter(worker, Args{}, "K");
  CHECK(result.timed_out);
  CHECK(result.exit_code == 124);
  CHECK(seconds_since(start) < 0.3 + 2.5);
  pid_t pgid = first_line_pid(std::string(result.output.view()));
  REQUIRE(pgid > 1);
  CHECK(group_gone(pgid));
}

TEST_CASE("run_getter: a child left holding stdout does not hang it", "[getter]") {
  Worker worker = shell_worker("echo $$; sleep 30 & exit 5");
  auto start = std::chrono::steady_clock::now();
  auto result = run_getter(worker, Args{}, "K");
  CHECK(seconds_since(start) < 2);
  CHECK_FALSE(result.timed_out);
  CHECK(result.exit_code == 5);
  pid_t pgid = first_line_pid(std::string(result.output.view()));
  REQUIRE(pgid > 1);
  CHECK(group_gone(pgid));
}

TEST_CASE("run_getter: background children do not outlive the getter", "[getter]") {
  Worker worker = shell_worker("sleep 30 >/dev/null 2>&1 & echo $$");
  auto start = std::chrono::steady_clock::now();
  auto result = run_getter(worker, Args{}, "K");
  CHECK(seconds_since(start) < 1);
  CHECK(result.exit_code == 0);
  CHECK(group_gone(first_line_pid(std::string(result.output.view()))));
}

TEST_CASE("run_getter: late output of a background writer within the grace is kept", "[getter]") {
  auto result = run_getter(shell_worker("echo a; (sleep 0.1; echo b) &"), Args{}, "K");
  CHECK(result.output == "a\nb\n");
}

TEST_CASE("run_getter survives a getter that closes stdout early", "[getter]") {
  auto result = run_getter(shell_worker("printf x; exec >&-; sleep 0.2; exit 4"), Args{}, "K");
  CHECK(result.output == "x");
  CHECK(result.exit_code == 4);
}

TEST_CASE("run_getter: an exception from on_output leaves nothing running", "[getter]") {
  Worker worker = shell_worker("echo $$; sleep 30");
  pid_t pgid = 0;
  auto throwing = [&](std::string_view chunk) {
    pgid = std::atoi(std::string(chunk).c_str());
    throw std::runtime_error("stop");
  };
  CHECK_THROWS_AS(run_getter(worker, Args{}, "K", throwing), std::runtime_error);
  REQUIRE(pgid > 1);
  CHECK(group_gone(pgid));
  CHECK(djc::running_getter_group() == 0);
}
