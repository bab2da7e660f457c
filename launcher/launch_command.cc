// launcher/launch_command.cc: `ckpt launch [options] PROG ARGS...`: sets LD_PRELOAD and the
// CKPT_* environment (see the system contract in shared/DESIGN.md), makes sure a coordinator
// answers (starting one if needed), then execs PROG in place (same pid).
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <utility>

#include "coordinator/protocol.h"
#include "launcher/commands.h"
#include "launcher/coordinator_client.h"
#include "launcher/coordinator_spawn.h"
#include "launcher/default_plugins.h"
#include "launcher/host_address.h"
#include "launcher/hwloc_summary.h"
#include "launcher/messages.h"
#include "launcher/paths.h"
#include "launcher/program_check.h"

namespace ckpt::launcher {

namespace {

constexpr const char* kCmd = "launch";

// Asks libckpt itself: a throw-away /bin/true with the same preload prints the plugin
// table in the order checkpoints will use (CKPT_LIST_PLUGINS), then exits.
int list_plugins(const std::vector<std::string>& plugins) {
  std::string preload = libckpt_path();
  for (const std::string& p : plugins) {
    preload += ":" + p;
  }
  pid_t pid = fork();
  if (pid == 0) {
    setenv("LD_PRELOAD", preload.c_str(), 1);
    setenv("CKPT_LIST_PLUGINS", "1", 1);
    execl("/bin/true", "true", static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "ckpt launch: could not list the plugins (a plugin failed to load?)\n");
    return 1;
  }
  return 0;
}

Status make_ckpt_dir(const std::string& dir) {
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) {
    return Status::ok();
  }
  std::string partial;
  for (const auto& part : std::filesystem::path(dir)) {
    partial = (std::filesystem::path(partial) / part).string();
    if (mkdir(partial.c_str(), 0700) != 0 && errno != EEXIST) {
      return Status(Code::kIo, msg::cannot_create_dir(dir, errno));
    }
  }
  return Status::ok();
}

std::string preload_value(const std::vector<std::string>& plugins) {
  std::string ours = libckpt_path();
  for (const std::string& p : plugins) {
    ours += ":" + p;
  }
  const char* existing = std::getenv("LD_PRELOAD");
  if (existing == nullptr || existing[0] == '\0') {
    return ours;
  }
  std::string current = existing;
  if (current.find(libckpt_path()) != std::string::npos) {
    return current;  // nested launch: already preloaded
  }
  return current + ":" + ours;
}

void set_environment(const LaunchOptions& opts, const CoordAddress& addr,
                     const std::string& ckpt_dir, const std::vector<std::string>& plugins) {
  setenv("LD_PRELOAD", preload_value(plugins).c_str(), 1);
  setenv("CKPT_COORD_HOST", addr.host.c_str(), 1);
  setenv("CKPT_COORD_PORT", std::to_string(addr.port).c_str(), 1);
  setenv("CKPT_CKPTDIR", ckpt_dir.c_str(), 1);
  if (opts.signal > 0) {
    setenv("CKPT_SIGNAL", std::to_string(opts.signal).c_str(), 1);
  }
  if (!opts.log_spec.empty()) {
    setenv("CKPT_LOG", opts.log_spec.c_str(), 1);
  }
  if (!opts.job_id.empty()) {
    setenv("CKPT_JOB_ID", opts.job_id.c_str(), 1);
  }
  const std::pair<bool, const char*> modes[] = {
      {opts.forked, "CKPT_FORKED"}, {opts.incremental, "CKPT_INCREMENTAL"},
      {opts.compress, "CKPT_COMPRESS"}, {opts.compress_lz4, "CKPT_COMPRESS_LZ4"},
      {opts.checkpoint_on_term, "CKPT_CHECKPOINT_ON_TERM"}};
  for (const auto& [on, name] : modes) {
    if (on) {
      setenv(name, "1", 1);
    }
  }
  if (opts.stop_on_term) {
    setenv("CKPT_CHECKPOINT_ON_TERM", "stop", 1);
  }
  if (opts.save_files) {
    setenv("CKPT_SAVE_FILES", std::to_string(opts.save_files_max_mb).c_str(), 1);
  }
  export_hwloc_summary();
}

// Checks PROG and the installation before anything is started.
Result<std::string> check_program(const std::vector<std::string>& argv) {
  CKPT_TRY_ASSIGN(std::string path, find_program(argv[0]));
  CKPT_TRY(check_preloadable(path));
  if (access(libckpt_path().c_str(), R_OK) != 0) {
    return Status(Code::kNotFound, msg::libckpt_missing(libckpt_path()));
  }
  return path;
}

Result<CoordAddress> coordinator_for(const LaunchOptions& opts, const std::string& ckpt_dir,
                                     std::optional<int> interval) {
  CoordinatorNeed need{opts.coord, opts.new_coordinator, opts.join_coordinator, ckpt_dir,
                       interval, opts.barrier_timeout, opts.keep, opts.job_id};
  CKPT_TRY_ASSIGN(CoordinatorFound found, ensure_coordinator(need));
  if (!found.started && opts.interval >= 0) {
    CommandRequest req{proto::kCmdInterval, 0, opts.interval, kConnectTimeoutS * 2};
    Result<CommandReply> reply = send_command(found.addr, req);
    if (!reply.is_ok()) {
      return reply.status();
    }
  }
  return found.addr;
}

}  // namespace

void add_launch_options(CLI::App* app, LaunchOptions& opts, Spelling spelling) {
  opts.app = app;
  app->prefix_command();
  add_coord_flags(app, opts.coord, spelling);
  app->add_flag("--new-coordinator", opts.new_coordinator,
                "always start a new coordinator (with --coord-port 0 it picks a free port and "
                "writes it to --port-file)");
  app->add_flag("-j,--join-coordinator,--join", opts.join_coordinator,
                "join an existing coordinator; fail if none answers");
  app->add_option("--ckptdir", opts.ckpt_dir,
                  "checkpoint directory (default: CKPT_CKPTDIR, DMTCP_CHECKPOINT_DIR, cwd)");
  app->add_option("-i,--interval", opts.interval,
                  "seconds between automatic checkpoints, 0 = off (default: "
                  "CKPT_CHECKPOINT_INTERVAL, DMTCP_CHECKPOINT_INTERVAL)")
      ->check(CLI::Range(0, 1000000000));
  app->add_option("--with-plugin", opts.plugins,
                  "plugins to preload, A.so:B.so; a bare name is searched in LD_LIBRARY_PATH "
                  "then <prefix>/lib/ckpt/plugins")
      ->allow_extra_args(false);  // one value per occurrence: never swallow PROG
  app->add_flag("--no-pid-virtualization", opts.no_pid_virtualization,
                "do not load the pid plugin (loaded by default: the program keeps seeing its "
                "own pids, parents and process groups after a restart)");
  app->add_flag("--list-plugins", opts.list_plugins, "print the plugins in load order and exit");
  app->add_flag("--no-default-plugins", opts.no_default_plugins,
                "do not preload the built-in plugins that launch loads by default (socket, ipc, pid; see --list-plugins)");
  if (spelling == Spelling::kCkpt) {
    app->add_option("--signal", opts.signal, "signal number used to suspend threads")
        ->check(CLI::Range(1, 64));
    app->add_option("--barrier-timeout", opts.barrier_timeout,
                    "seconds a checkpoint barrier may take (new coordinator only)");
    app->add_option("--keep", opts.keep, "generations to keep, 0 = all (new coordinator only)");
    app->add_option("--job-id", opts.job_id, "job id (default: SLURM_JOB_ID or generated)");
    app->add_option("--log", opts.log_spec, "libckpt log spec, e.g. warn,socket=debug");
    app->add_flag("--forked", opts.forked,
                  "default for every checkpoint: write images from copy-on-write children");
    app->add_flag("--incremental", opts.incremental,
                  "default for every checkpoint: store only pages changed since the last one");
    app->add_flag("--compress", opts.compress, "default for every checkpoint: zstd-compress pages");
    app->add_flag("--compress-lz4", opts.compress_lz4,
                  "default for every checkpoint: lz4-compress pages (faster, larger)");
    app->add_flag("--checkpoint-on-term", opts.checkpoint_on_term,
                  "on SIGTERM (e.g. Slurm pre-emption) take a checkpoint first, then let the "
                  "program receive the signal");
    app->add_flag("--stop-on-term", opts.stop_on_term,
                  "on SIGTERM checkpoint the whole computation and end it there, like "
                  "`checkpoint --kill`: the program never sees the signal (unless no generation "
                  "commits in time), so its clean-up cannot remove what the restart needs "
                  "(e.g. mpirun's session directory); the Slurm template's default");
    app->add_flag("--save-files", opts.save_files,
                  "also save the contents of files open for writing (up to --save-files-max-mb "
                  "each) in every image, so that `ckpt restart --restore-files` can put them "
                  "back; files deleted while open are always saved");
    app->add_option("--save-files-max-mb", opts.save_files_max_mb,
                    "largest file --save-files saves, in MiB (default 64)")
        ->check(CLI::Range(1, 1 << 20));
  }
  app->footer(
      "PROG and everything after it are run unchanged; options must come before PROG.\n"
      "Examples:\n"
      "  ckpt launch --interval 3600 --ckptdir $SCRATCH/ckpt ./app input.dat\n"
      "  ckpt launch --coord-port 0 --new-coordinator --port-file port.txt python3 -c 'print(1)'");
}

std::optional<std::vector<std::string>> cut_at_dashdash(int* argc, char** argv, int first) {
  for (int i = first; i < *argc; ++i) {
    if (std::strcmp(argv[i], "--") == 0) {
      std::vector<std::string> tail(argv + i + 1, argv + *argc);
      *argc = i;
      return tail;
    }
  }
  return std::nullopt;
}

int run_launch(LaunchOptions& opts) {
  std::vector<std::string> argv = opts.app->remaining();
  if (!argv.empty() && argv[0].size() > 1 && argv[0][0] == '-') {
    return fail_usage(kCmd, msg::unknown_option(argv[0]));
  }
  if (opts.after_dashdash) {
    if (!argv.empty()) {
      argv.push_back("--");  // PROG came first: the "--" is one of its arguments
    }
    argv.insert(argv.end(), opts.after_dashdash->begin(), opts.after_dashdash->end());
  }
  Result<std::vector<std::string>> plugins = resolve_plugins(opts.plugins);
  if (!plugins.is_ok()) {
    return fail(kCmd, plugins.status());
  }
  if (!opts.no_default_plugins) {
    plugins = with_default_plugins(plugins.value(), opts.no_pid_virtualization ? "pid" : "");
  }
  if (opts.list_plugins) {
    return list_plugins(plugins.value());
  }
  if (argv.empty()) {
    return fail_usage(kCmd, msg::missing_program());
  }
  Result<std::string> program = check_program(argv);
  std::string ckpt_dir = resolve_ckpt_dir(opts.ckpt_dir);
  Status dir = program.is_ok() ? make_ckpt_dir(ckpt_dir) : program.status();
  Result<std::optional<int>> interval =
      dir.is_ok() ? resolve_interval(opts.interval) : Result<std::optional<int>>(dir);
  if (!interval.is_ok()) {
    return fail(kCmd, interval.status());
  }
  Result<CoordAddress> addr = coordinator_for(opts, ckpt_dir, interval.value());
  if (!addr.is_ok()) {
    return fail(kCmd, addr.status());
  }
  // libckpt resolves without DNS: a name only DNS knows is handed over as an address.
  Result<std::string> host = host_for_libckpt(addr.value().host);
  if (!host.is_ok()) {
    return fail(kCmd, host.status());
  }
  set_environment(opts, CoordAddress{host.value(), addr.value().port}, ckpt_dir, plugins.value());
  std::vector<char*> args;
  for (std::string& a : argv) {
    args.push_back(a.data());
  }
  args.push_back(nullptr);
  execv(program.value().c_str(), args.data());
  return fail(kCmd, Status(Code::kIo, msg::exec_failed(program.value(), errno)));
}

}  // namespace ckpt::launcher
