// launcher/coordinator_command.cc: `ckpt coordinator [options]`: runs the coordinator daemon
// (coordinator/coordinator.h) in this process.
#include <CLI/CLI.hpp>
#include <cstdlib>

#include "launcher/commands.h"
#include "launcher/messages.h"
#if CKPT_HAVE_COORDINATOR
#include "coordinator/coordinator.h"
#endif

namespace ckpt::launcher {

void add_coordinator_options(CLI::App* app, CoordinatorCommandOptions& opts) {
  app->add_option("-p,--port", opts.port, "port to listen on, 0 = any free port (default 7779)")
      ->check(CLI::Range(0, 65535));
  app->add_option("--port-file", opts.port_file, "write the bound port here once listening");
  app->add_flag("--daemon", opts.daemon, "run in the background (returns once listening)");
  app->add_flag("--exit-on-last", opts.exit_on_last,
                "exit when the last process of the computation has left");
  app->add_option("-i,--interval", opts.interval,
                  "seconds between automatic checkpoints, 0 = off (default: "
                  "CKPT_CHECKPOINT_INTERVAL, DMTCP_CHECKPOINT_INTERVAL)")
      ->check(CLI::Range(0, 1000000000));
  app->add_option("--ckptdir", opts.ckpt_dir,
                  "checkpoint directory (default: the first process's, else cwd)");
  app->add_option("--barrier-timeout", opts.barrier_timeout,
                  "seconds one barrier step may take before the checkpoint is aborted (default 60)")
      ->check(CLI::Range(0.001, 1e9));
  app->add_option("--keep", opts.keep, "generations to keep, 0 = all (default 3)")
      ->check(CLI::Range(0, 1000000000));
  app->add_option("--job-id", opts.job_id, "job id (default: the first process's, SLURM_JOB_ID)");
  app->add_option("--log-file", opts.log_file,
                  "log here (default: stderr, or <ckptdir>/coordinator.log with --daemon)");
  app->add_option("--bind", opts.bind_host, "address to listen on (default 0.0.0.0)");
  app->footer(
      "Commands (ckpt checkpoint/status/kill/interval/quit) use the same port. The per-job\n"
      "secret, if any, is taken from CKPT_SECRET.\n"
      "Examples:\n"
      "  ckpt coordinator --port 7780 --interval 3600\n"
      "  ckpt coordinator --daemon --port 0 --port-file $SCRATCH/port --exit-on-last");
}

int run_coordinator_command(CoordinatorCommandOptions& opts) {
  Result<std::optional<int>> interval = resolve_interval(opts.interval);
  if (!interval.is_ok()) {
    return fail("coordinator", interval.status());
  }
#if CKPT_HAVE_COORDINATOR
  coord::CoordinatorOptions o;
  o.bind_host = opts.bind_host;
  o.port = opts.port;
  o.port_file = opts.port_file.empty() ? "" : absolute_path(opts.port_file);
  o.daemon = opts.daemon;
  o.exit_on_last = opts.exit_on_last;
  o.interval_s = interval.value().value_or(0);
  o.ckpt_dir = opts.ckpt_dir.empty() ? "" : absolute_path(opts.ckpt_dir);
  o.barrier_timeout_s = opts.barrier_timeout;
  o.keep = opts.keep;
  o.job_id = opts.job_id;
  o.log_file = opts.log_file.empty() ? "" : absolute_path(opts.log_file);
  const char* secret = std::getenv("CKPT_SECRET");
  o.secret = secret != nullptr ? secret : "";
  return coord::run_coordinator(o);
#else
  return fail("coordinator", Status(Code::kUnsupported, msg::coordinator_not_built()));
#endif
}

}  // namespace ckpt::launcher
