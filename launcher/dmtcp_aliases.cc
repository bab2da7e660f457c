// launcher/dmtcp_aliases.cc: the DMTCP spellings of the ckpt commands, chosen by argv[0]:
// dmtcp_launch (= launch, with -h/-p for the coordinator), dmtcp_restart (= restart),
// dmtcp_coordinator (= coordinator) and dmtcp_command (-s -c -bc -kc -i S -k -q -h H -p P).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstring>
#include <string>

#include "launcher/commands.h"
#include "launcher/messages.h"

namespace ckpt::launcher {

namespace {

std::string base_name(const char* argv0) {
  const char* slash = std::strrchr(argv0, '/');
  return slash != nullptr ? slash + 1 : argv0;
}

template <typename Options, typename Add, typename Run>
int run_with_cli(const std::string& name, const char* about, int argc, char** argv, Add add,
                 Run run) {
  CLI::App app{about, name};
  app.set_help_flag("--help", "print this help and exit");
  Options opts;
  add(&app, opts);
  int rc = parse_arguments(app, argc, argv, name);
  return rc >= 0 ? rc : run(opts);
}

const char* const kCommandUsage =
    "usage: dmtcp_command [-h HOST] [-p PORT] COMMAND\n"
    "  -s, --status        show the coordinator and its processes\n"
    "  -c, --checkpoint    take a checkpoint\n"
    "  -bc, --bcheckpoint  take a checkpoint and wait until it is committed\n"
    "  -kc, --kcheckpoint  take a checkpoint, wait, then kill the computation\n"
    "  -i, --interval S    set the checkpoint interval (0 = off)\n"
    "  -k, --kill          kill the computation\n"
    "  -q, --quit          kill the computation and stop the coordinator\n"
    "  -h, --coord-host H  -p, --coord-port P   coordinator address\n"
    "Example:\n  dmtcp_command -p 7780 -bc\n";

bool take_value(int argc, char** argv, int* i, std::string* value) {
  std::string arg = argv[*i];
  size_t eq = arg.find('=');
  if (arg.rfind("--", 0) == 0 && eq != std::string::npos) {
    *value = arg.substr(eq + 1);
    return true;
  }
  if (*i + 1 >= argc) {
    return false;
  }
  *value = argv[++*i];
  return true;
}

// Applies one dmtcp_command word to opts; false if it is not understood.
bool apply_command_word(int argc, char** argv, int* i, ClientOptions* opts) {
  std::string a = argv[*i];
  std::string key = a.substr(0, a.find('='));
  std::string value;
  if (a == "-s" || a == "--status") {
    opts->action = ClientAction::kStatus;
  } else if (a == "-c" || a == "--checkpoint" || a == "-bc" || a == "--bcheckpoint" ||
             a == "-kc" || a == "--kcheckpoint") {
    opts->action = ClientAction::kCheckpoint;
    opts->wait = a != "-c" && a != "--checkpoint";
    opts->kill_after = a == "-kc" || a == "--kcheckpoint";
  } else if (a == "-k" || a == "--kill") {
    opts->action = ClientAction::kKill;
  } else if (a == "-q" || a == "--quit") {
    opts->action = ClientAction::kQuit;
  } else if ((key == "-i" || key == "--interval") && take_value(argc, argv, i, &value)) {
    opts->action = ClientAction::kInterval;
    opts->interval = std::atoi(value.c_str());
  } else if ((key == "-h" || key == "--coord-host") && take_value(argc, argv, i, &value)) {
    opts->coord.host = value;
  } else if ((key == "-p" || key == "--coord-port") && take_value(argc, argv, i, &value)) {
    Result<int> port = parse_port(value, "--coord-port");
    if (!port.is_ok()) {
      return false;
    }
    opts->coord.port = port.value();
  } else {
    return false;
  }
  return true;
}

int run_dmtcp_command(int argc, char** argv) {
  ClientOptions opts;
  bool have_command = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help") {
      std::fputs(kCommandUsage, stdout);
      return 0;
    }
    if (!apply_command_word(argc, argv, &i, &opts)) {
      std::fprintf(stderr, "dmtcp_command: %s\n%s", msg::unknown_option(a).c_str(), kCommandUsage);
      return 2;
    }
    bool addressing = a.rfind("-h", 0) == 0 || a.rfind("-p", 0) == 0 ||
                      a.rfind("--coord-", 0) == 0;
    have_command = have_command || !addressing;
  }
  if (!have_command) {
    std::fprintf(stderr, "dmtcp_command: %s\n%s", msg::missing_command().c_str(), kCommandUsage);
    return 2;
  }
  return run_client(opts);
}

}  // namespace

int run_dmtcp_alias(int argc, char** argv) {
  std::string name = base_name(argc > 0 ? argv[0] : "ckpt");
  if (name == "dmtcp_launch") {
    std::optional<std::vector<std::string>> tail = cut_at_dashdash(&argc, argv, 1);
    return run_with_cli<LaunchOptions>(
        name, "dmtcp_launch: run a program under checkpoint control (= ckpt launch)", argc, argv,
        [tail](CLI::App* a, LaunchOptions& o) {
          add_launch_options(a, o, Spelling::kDmtcp);
          o.after_dashdash = tail;
        },
        run_launch);
  }
  if (name == "dmtcp_restart") {
    return run_with_cli<RestartOptions>(
        name, "dmtcp_restart: restart from checkpoint images (= ckpt restart)", argc, argv,
        [](CLI::App* a, RestartOptions& o) { add_restart_options(a, o, Spelling::kDmtcp); },
        run_restart);
  }
  if (name == "dmtcp_coordinator") {
    return run_with_cli<CoordinatorCommandOptions>(
        name, "dmtcp_coordinator: run a coordinator (= ckpt coordinator)", argc, argv,
        add_coordinator_options, run_coordinator_command);
  }
  if (name == "dmtcp_command") {
    return run_dmtcp_command(argc, argv);
  }
  return -1;
}

}  // namespace ckpt::launcher
