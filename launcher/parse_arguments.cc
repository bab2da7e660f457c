// launcher/parse_arguments.cc: CLI11 parsing with ckpt's error conventions (commands.h).
#include <CLI/CLI.hpp>
#include <cstdio>

#include "launcher/commands.h"
#include "launcher/messages.h"

namespace ckpt::launcher {

namespace {

// The subcommand the user asked for, for the "run 'ckpt <cmd> --help'" hint.
std::string subcommand_name(CLI::App& app, int argc, char** argv) {
  std::vector<CLI::App*> parsed = app.get_subcommands();
  if (!parsed.empty()) {
    return parsed.back()->get_name();
  }
  for (int i = 1; i < argc; ++i) {
    for (CLI::App* sub : app.get_subcommands({})) {
      if (sub->get_name() == argv[i]) {
        return sub->get_name();
      }
    }
  }
  return "";
}

}  // namespace

int parse_arguments(CLI::App& app, int argc, char** argv, const std::string& command_name) {
  try {
    app.parse(argc, argv);
    return -1;
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) {
      return app.exit(e);  // --help, --version
    }
    std::string cmd = command_name;
    if (cmd.empty()) {
      std::string sub = subcommand_name(app, argc, argv);
      cmd = sub.empty() ? "ckpt" : "ckpt " + sub;
    }
    std::fprintf(stderr, "%s: %s\n%s\n", cmd.c_str(), e.what(), msg::usage_hint(cmd).c_str());
    return 2;
  }
}

}  // namespace ckpt::launcher
