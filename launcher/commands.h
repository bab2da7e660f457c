// launcher/commands.h: the subcommands of `ckpt`. Each one has an options struct, a function
// that declares its flags on a CLI11 app (in the ckpt or the DMTCP spelling), and a run
// function returning the process exit code. main.cc and dmtcp_aliases.cc wire them up.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "launcher/coord_address.h"
#include "launcher/restart_selection.h"

namespace CLI {
class App;
}

namespace ckpt::launcher {

struct LaunchOptions {
  CoordFlags coord;
  bool new_coordinator = false;
  bool join_coordinator = false;
  std::string ckpt_dir;
  int interval = -1;
  std::vector<std::string> plugins;
  bool no_pid_virtualization = false;  // leave out the default pid plugin
  bool list_plugins = false;
  bool no_default_plugins = false;  // do not preload default_plugin_names()
  int signal = 0;
  double barrier_timeout = -1;
  int keep = -1;
  std::string job_id;
  std::string log_spec;
  bool forked = false;       // default checkpoint modes of the launched processes
  bool incremental = false;
  bool compress = false;
  bool compress_lz4 = false;  // --compress-lz4: lz4 instead of zstd
  bool checkpoint_on_term = false;  // SIGTERM: checkpoint first (Slurm pre-emption)
  bool stop_on_term = false;  // SIGTERM: checkpoint with --kill; the program never sees it
  bool save_files = false;   // save contents of small files open for writing (CKPT_SAVE_FILES)
  int save_files_max_mb = 64;
  CLI::App* app = nullptr;  // to fetch PROG ARGS (remaining arguments)
  std::optional<std::vector<std::string>> after_dashdash;  // words after a "--" (cut before parsing)
};
// Cuts argv at the first "--" (CLI11 refuses "--" with no positionals): *argc becomes its
// index, the words after it are returned. run_launch() puts them back in place.
std::optional<std::vector<std::string>> cut_at_dashdash(int* argc, char** argv, int first);
void add_launch_options(CLI::App* app, LaunchOptions& opts, Spelling spelling);
int run_launch(LaunchOptions& opts);

struct RestartOptions {
  CoordFlags coord;
  bool new_coordinator = false;
  bool join_coordinator = false;
  std::string ckpt_dir;
  bool detach = false;
  bool dry_run = false;
  bool force = false;  // restart although the original processes still run here
  bool lazy = false;
  bool restore_files = false;  // re-create missing/changed files from saved contents
  bool no_hugepages = false;   // CKPT_RESTORE_HUGEPAGES=0 for the loader (loader_thp.cc)
  double barrier_timeout = -1;
  PartOptions part;  // --only-host / --slurm (restart_selection.h)
  std::vector<std::string> paths;
  // Restart on other hosts (host_map.h, remote_restore.h).
  std::string hosts;       // --hosts h3,h4
  std::string hostfile;    // --hostfile F
  std::string host_map;    // --host-map h1=h3,h2=h4
  std::string rsh_agent;   // --rsh-agent CMD (else CKPT_RSH_AGENT, else ssh)
  std::string coord_bind;  // --coord-bind ADDR: start a new coordinator here, bound to ADDR
};
void add_restart_options(CLI::App* app, RestartOptions& opts, Spelling spelling);
int run_restart(RestartOptions& opts);

// checkpoint, status, kill, interval and quit share one client and one options struct.
enum class ClientAction { kCheckpoint, kStatus, kKill, kInterval, kQuit };
struct ClientOptions {
  ClientAction action = ClientAction::kStatus;
  CoordFlags coord;
  bool wait = false;
  bool kill_after = false;
  bool json = false;
  bool forked = false;       // checkpoint modes for this checkpoint only
  bool incremental = false;
  bool compress = false;
  bool compress_lz4 = false;  // --compress-lz4: lz4 instead of zstd
  double timeout = 0;  // reply timeout for checkpoint --wait (0 = none)
  int interval = -1;
};
void add_client_options(CLI::App* app, ClientOptions& opts, ClientAction action);
int run_client(ClientOptions& opts);

struct InspectOptions {
  bool json = false;
  std::string path;
};
void add_inspect_options(CLI::App* app, InspectOptions& opts);
int run_inspect(InspectOptions& opts);

struct VerifyOptions {
  std::vector<std::string> paths;
  bool json = false;
};
void add_verify_options(CLI::App* app, VerifyOptions& opts);
int run_verify(VerifyOptions& opts);

struct CoordinatorCommandOptions {
  int port = 7779;
  std::string port_file;
  bool daemon = false;
  bool exit_on_last = false;
  int interval = -1;
  std::string ckpt_dir;
  double barrier_timeout = 60;
  int keep = 3;
  std::string job_id;
  std::string log_file;
  std::string bind_host = "0.0.0.0";
};
void add_coordinator_options(CLI::App* app, CoordinatorCommandOptions& opts);
int run_coordinator_command(CoordinatorCommandOptions& opts);

// Argument parsing with the error conventions of every ckpt command: --help prints help and
// exits 0; a bad option prints CLI11's message plus "run 'ckpt <cmd> --help'" and exits 2.
// Returns -1 when parsing succeeded (the caller goes on), else the exit code.
int parse_arguments(CLI::App& app, int argc, char** argv, const std::string& command_name);

// Entry point for argv[0] = dmtcp_launch, dmtcp_restart, dmtcp_command, dmtcp_coordinator.
// Returns -1 if argv[0] is not one of them.
int run_dmtcp_alias(int argc, char** argv);

}  // namespace ckpt::launcher
