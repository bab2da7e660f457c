// coordinator/main_for_tests.cc: ckpt-coordinator-test, a test-only front end (not installed)
// that parses the `ckpt coordinator` flags minimally and runs the coordinator.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "coordinator/coordinator.h"

namespace {

int usage(const char* argv0) {
  fprintf(stderr,
          "usage: %s [--port P] [--port-file F] [--daemon] [--exit-on-last] [--interval S]\n"
          "          [--ckptdir D] [--barrier-timeout S] [--keep K] [--job-id J]\n"
          "          [--log-file F] [--secret S] [--bind HOST]\n",
          argv0);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  ckpt::coord::CoordinatorOptions o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    if (a == "--daemon") {
      o.daemon = true;
    } else if (a == "--exit-on-last") {
      o.exit_on_last = true;
    } else if ((a == "--port" || a == "-p") && (v = next())) {
      o.port = atoi(v);
    } else if (a == "--port-file" && (v = next())) {
      o.port_file = v;
    } else if ((a == "--interval" || a == "-i") && (v = next())) {
      o.interval_s = atoi(v);
    } else if ((a == "--ckptdir" || a == "--ckpt-dir") && (v = next())) {
      o.ckpt_dir = v;
    } else if (a == "--barrier-timeout" && (v = next())) {
      o.barrier_timeout_s = atof(v);
    } else if (a == "--keep" && (v = next())) {
      o.keep = atoi(v);
    } else if (a == "--job-id" && (v = next())) {
      o.job_id = v;
    } else if (a == "--log-file" && (v = next())) {
      o.log_file = v;
    } else if (a == "--secret" && (v = next())) {
      o.secret = v;
    } else if (a == "--bind" && (v = next())) {
      o.bind_host = v;
    } else {
      return usage(argv[0]);
    }
  }
  return ckpt::coord::run_coordinator(o);
}
