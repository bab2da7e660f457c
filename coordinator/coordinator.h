// coordinator/coordinator.h: the public entry point of the coordinator daemon, linked into the
// `ckpt` binary (`ckpt coordinator ...`) and into the test-only `ckpt-coordinator-test`.
#pragma once

#include <string>

namespace ckpt::coord {

struct CoordinatorOptions {
  std::string bind_host = "0.0.0.0";
  int port = 7779;                // 0 = pick a free port
  std::string port_file;          // the bound port (decimal + "\n") is written here once listening
  bool daemon = false;            // fork, setsid, detach stdio (log to log_file or ckptdir)
  bool exit_on_last = false;      // exit when the last member disconnects (after one joined)
  int interval_s = 0;             // periodic checkpoints (0 = off)
  std::string ckpt_dir;           // "" = the first member's Hello::ckpt_dir, else cwd
  double barrier_timeout_s = 60;  // per barrier step
  int keep = 3;                   // generations kept (0 = all)
  std::string job_id;             // "" = first member's job id, SLURM_JOB_ID, or generated
  std::string log_file;           // "" = stderr (or ckptdir/coordinator.log when daemon)
  std::string secret;             // "" = no authentication
};

// Runs the coordinator until `quit`, or until the last member left with exit_on_last.
// Returns the process exit code. With daemon = true the calling (parent) process returns 0
// as soon as the listening socket is bound and the port file written.
int run_coordinator(const CoordinatorOptions& opts);

}  // namespace ckpt::coord
