// posix_spawn of detached dj-cache children.
#include "cli/background.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/diagnostics.hpp"

extern char** environ;

namespace djc {
namespace {

std::string own_executable() {
  std::string path(4096, '\0');
  ssize_t length = ::readlink("/proc/self/exe", path.data(), path.size());
  if (length <= 0) return "dj-cache";
  path.resize(static_cast<std::size_t>(length));
  return path;
}

}  // namespace

void start_detached(Context& context, const std::vector<std::string>& arguments) {
  std::vector<std::string> argv{own_executable(), "-q"};
  context.locate_config();
  if (context.config_file()) argv.insert(argv.end(), {"--config", context.config_file()->string()});
  argv.insert(argv.end(), {"--store", context.store_location().options.path.string()});
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  std::vector<char*> raw;
  for (auto& word : argv) raw.push_back(word.data());
  raw.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  for (int fd : {0, 1, 2}) {
    posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0);
  }
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSID);
  pid_t pid = 0;
  int failed = ::posix_spawn(&pid, argv[0].c_str(), &actions, &attributes, raw.data(), environ);
  posix_spawnattr_destroy(&attributes);
  posix_spawn_file_actions_destroy(&actions);
  if (failed) warn("cannot start a background dj-cache: {}", std::strerror(failed));
}

void start_background_refresh(Context& context, const Worker& worker, const Args& args) {
  std::vector<std::string> arguments{"__refresh", worker.label};
  auto words = args_to_words(args);
  arguments.insert(arguments.end(), words.begin(), words.end());
  start_detached(context, arguments);
}

void start_job_runner(Context& context) { start_detached(context, {"work", "--quiet-if-busy"}); }

}  // namespace djc
