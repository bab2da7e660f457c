// libckpt/core/exec_wrappers.cc: exec events for plugins. Wrapped: execve, execv, execvp,
// execvpe, execl, execlp, execle. Each raises PRE_EXEC and passes CKPT_POST_EXEC=1 to the
// new program, whose libckpt constructor raises POST_EXEC before INIT (init.cc). If the
// exec fails, the application's environment is left as it was. A remote-shell agent (ssh,
// rsh, CKPT_RSH_AGENTS) is run without libckpt, its remote command wrapped in
// `ckpt launch --join` (rsh_rewrite.h). The suspend signal is blocked across the exec
// (thread_suspend.h, block_suspend_signal).
// Not checkpoint-path (application threads; may allocate).
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/events.h"
#include "core/forked_writer.h"
#include "core/plugin_registry.h"
#include "core/rsh_rewrite.h"
#include "core/thread_suspend.h"

namespace ckpt {
namespace {

constexpr const char* kPostExec = "CKPT_POST_EXEC=1";
constexpr int kMaxArgs = 4096;

template <typename Fn>
Fn next(const char* name) {
  return reinterpret_cast<Fn>(dlsym(RTLD_NEXT, name));
}

// envp plus CKPT_POST_EXEC=1 (malloc'd; freed only if the exec fails).
char** with_post_exec(char* const* envp) {
  size_t n = 0;
  while (envp != nullptr && envp[n] != nullptr) ++n;
  auto** out = static_cast<char**>(malloc((n + 2) * sizeof(char*)));
  if (out == nullptr) return nullptr;
  size_t k = 0;
  for (size_t i = 0; i < n; ++i) {
    if (strncmp(envp[i], "CKPT_POST_EXEC=", 15) != 0) out[k++] = envp[i];
  }
  out[k++] = const_cast<char*>(kPostExec);
  out[k] = nullptr;
  return out;
}

bool active() { return getenv("CKPT_COORD_PORT") != nullptr || plugins().count > 0; }

using ExecveFn = int (*)(const char*, char* const*, char* const*);

int exec_common(const char* name, const char* file, char* const argv[], char* const envp[]) {
  static ExecveFn real_execve, real_execvpe;
  ExecveFn* slot = name[4] == 'v' && name[5] == 'p' ? &real_execvpe : &real_execve;
  if (*slot == nullptr) *slot = next<ExecveFn>(slot == &real_execve ? "execve" : "execvpe");
  if (!active()) return (*slot)(file, argv, envp);
  wait_forked_write();
  raise_event(Event::kPreExec);
  RshRewrite rsh;
  if (rewrite_rsh_exec(file, argv, envp, &rsh)) {
    int rc = (*slot)(file, rsh.argv, rsh.envp);
    int saved = errno;
    free_rsh_rewrite(&rsh);
    errno = saved;
    return rc;
  }
  char** env = with_post_exec(envp);
  block_suspend_signal(true);  // until the new program's handler is in place
  int rc = (*slot)(file, argv, env != nullptr ? env : envp);
  int saved = errno;
  block_suspend_signal(false);  // the exec failed: a pending suspend is taken now
  free(env);
  errno = saved;
  return rc;
}

// Collects the variadic arguments of execl* into `argv` (NULL-terminated).
bool collect(const char* arg0, va_list ap, char** argv) {
  int n = 0;
  argv[n++] = const_cast<char*>(arg0);
  while (arg0 != nullptr && n < kMaxArgs) {
    argv[n] = va_arg(ap, char*);
    if (argv[n++] == nullptr) return true;
  }
  return arg0 == nullptr;
}

}  // namespace
}  // namespace ckpt

extern char** environ;

#define CKPT_WRAPPER extern "C" __attribute__((visibility("default")))

CKPT_WRAPPER int execve(const char* path, char* const argv[], char* const envp[]) {
  return ckpt::exec_common("execve", path, argv, envp);
}
CKPT_WRAPPER int execv(const char* path, char* const argv[]) {
  return ckpt::exec_common("execve", path, argv, environ);
}
CKPT_WRAPPER int execvpe(const char* file, char* const argv[], char* const envp[]) {
  return ckpt::exec_common("execvpe", file, argv, envp);
}
CKPT_WRAPPER int execvp(const char* file, char* const argv[]) {
  return ckpt::exec_common("execvpe", file, argv, environ);
}

CKPT_WRAPPER int execl(const char* path, const char* arg, ...) {
  static char* argv[ckpt::kMaxArgs + 1];  // exec replaces the process: no reentry concern
  va_list ap;
  va_start(ap, arg);
  bool ok = ckpt::collect(arg, ap, argv);
  va_end(ap);
  if (!ok) return errno = E2BIG, -1;
  return ckpt::exec_common("execve", path, argv, environ);
}

CKPT_WRAPPER int execlp(const char* file, const char* arg, ...) {
  static char* argv[ckpt::kMaxArgs + 1];
  va_list ap;
  va_start(ap, arg);
  bool ok = ckpt::collect(arg, ap, argv);
  va_end(ap);
  if (!ok) return errno = E2BIG, -1;
  return ckpt::exec_common("execvpe", file, argv, environ);
}

CKPT_WRAPPER int execle(const char* path, const char* arg, ...) {
  static char* argv[ckpt::kMaxArgs + 1];
  va_list ap;
  va_start(ap, arg);
  bool ok = ckpt::collect(arg, ap, argv);
  char* const* envp = ok ? va_arg(ap, char* const*) : nullptr;
  va_end(ap);
  if (!ok) return errno = E2BIG, -1;
  return ckpt::exec_common("execve", path, argv, envp);
}
