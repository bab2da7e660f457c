// launcher/main.cc: the `ckpt` command. Dispatches on argv[0] for the DMTCP spellings, else
// on the subcommand (one file per subcommand, see commands.h).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <functional>
#include <memory>

#include "launcher/commands.h"

namespace ckpt::launcher {
namespace {

struct Subcommand {
  CLI::App* app;
  std::function<int()> run;
};

template <typename Options, typename Add, typename Run>
Subcommand make(CLI::App& root, const char* name, const char* about, Add add, Run run) {
  auto opts = std::make_shared<Options>();
  CLI::App* app = root.add_subcommand(name, about);
  add(app, *opts);
  return Subcommand{app, [opts, run] { return run(*opts); }};
}

std::vector<Subcommand> register_subcommands(
    CLI::App& root, const std::optional<std::vector<std::string>>& launch_tail) {
  auto launch = [launch_tail](CLI::App* a, LaunchOptions& o) {
    add_launch_options(a, o, Spelling::kCkpt);
    o.after_dashdash = launch_tail;
  };
  auto restart = [](CLI::App* a, RestartOptions& o) { add_restart_options(a, o, Spelling::kCkpt); };
  auto client = [](ClientAction action) {
    return [action](CLI::App* a, ClientOptions& o) { add_client_options(a, o, action); };
  };
  return {
      make<LaunchOptions>(root, "launch", "run a program under checkpoint control", launch,
                          run_launch),
      make<RestartOptions>(root, "restart", "restart a job from its newest valid generation",
                           restart, run_restart),
      make<ClientOptions>(root, "checkpoint", "take a checkpoint now",
                          client(ClientAction::kCheckpoint), run_client),
      make<ClientOptions>(root, "status", "show the coordinator and its processes",
                          client(ClientAction::kStatus), run_client),
      make<ClientOptions>(root, "kill", "kill every process of the computation",
                          client(ClientAction::kKill), run_client),
      make<ClientOptions>(root, "interval", "set the automatic checkpoint interval",
                          client(ClientAction::kInterval), run_client),
      make<ClientOptions>(root, "quit", "kill the computation and stop the coordinator",
                          client(ClientAction::kQuit), run_client),
      make<InspectOptions>(root, "inspect", "show the contents of an image or a generation",
                           add_inspect_options, run_inspect),
      make<VerifyOptions>(root, "verify", "check every checksum of images or generations",
                          add_verify_options, run_verify),
      make<CoordinatorCommandOptions>(root, "coordinator", "run a coordinator",
                                      add_coordinator_options, run_coordinator_command),
  };
}

bool is_subcommand(const std::vector<Subcommand>& subs, const std::string& word) {
  for (const Subcommand& sub : subs) {
    if (sub.app->get_name() == word) {
      return true;
    }
  }
  return false;
}

int run_main(int argc, char** argv) {
  int alias = run_dmtcp_alias(argc, argv);
  if (alias >= 0) {
    return alias;
  }
  CLI::App app{"ckpt: transparent checkpoint/restart for Linux HPC jobs", "ckpt"};
  app.require_subcommand(1);
  app.set_version_flag("--version", CKPT_VERSION_STRING);
  app.footer(
      "Run 'ckpt <command> --help' for the options of a command.\n"
      "Examples:\n"
      "  ckpt launch --interval 3600 --ckptdir $SCRATCH/ckpt ./app\n"
      "  ckpt checkpoint --wait\n"
      "  ckpt restart $SCRATCH/ckpt/<job>");
  std::optional<std::vector<std::string>> launch_tail;
  if (argc > 1 && std::string(argv[1]) == "launch") {
    launch_tail = cut_at_dashdash(&argc, argv, 2);
  }
  std::vector<Subcommand> subs = register_subcommands(app, launch_tail);
  if (argc > 1 && argv[1][0] != '-' && !is_subcommand(subs, argv[1])) {
    std::string names;
    for (const Subcommand& sub : subs) {
      names += (names.empty() ? "" : ", ") + sub.app->get_name();
    }
    std::fprintf(stderr, "ckpt: unknown command '%s' (commands: %s)\nrun 'ckpt --help' for usage\n",
                 argv[1], names.c_str());
    return 2;
  }
  int rc = parse_arguments(app, argc, argv, "");
  if (rc >= 0) {
    return rc;
  }
  for (Subcommand& sub : subs) {
    if (sub.app->parsed()) {
      return sub.run();
    }
  }
  return 2;
}

}  // namespace
}  // namespace ckpt::launcher

int main(int argc, char** argv) {
  try {
    return ckpt::launcher::run_main(argc, argv);
  } catch (const std::exception& e) {  // a bug, but never a crash for the user
    std::fprintf(stderr, "ckpt: internal error: %s\n", e.what());
    return 1;
  }
}
