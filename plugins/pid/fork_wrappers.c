/* plugins/pid/fork_wrappers.c: new processes and exec. Wrapped: fork vfork posix_spawn
 * posix_spawnp execve execvpe.
 * - A new child keeps its real pid as its virtual pid, unless the application already uses
 *   that number as the virtual pid of another process: then the child exits at once, the
 *   parent reaps it and forks again. vfork is a fork (the child may not share our memory
 *   while the wrapper runs). A spawned program cannot be retried: a collision is only
 *   dropped from the table.
 * - exec keeps the table: it travels in CKPT_PID_TABLE (read back at INIT, pid_plugin.c);
 *   so does posix_spawn, so that the new program sees its restarted parent's virtual pid.
 *   libckpt's own exec wrappers call these through RTLD_NEXT.
 * Not checkpoint-path: application threads (may allocate). */
#define _GNU_SOURCE 1
#include <errno.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ckpt/plugin.h"
#include "pid_sys.h"
#include "pid_table.h"

#define WRAPPER __attribute__((visibility("default")))
#define MAX_FORK_RETRIES 64

WRAPPER pid_t fork(void) {
  for (int attempt = 0;; ++attempt) {
    pid_t r = CKPT_NEXT(fork)();
    if (r == 0) {
      if (pid_conflicts(raw_getpid())) pid_sys(SYS_exit_group, 0, 0, 0);
      return 0;
    }
    if (r < 0) return r;
    if (!pid_conflicts(r) || attempt >= MAX_FORK_RETRIES) {
      int saved = errno;
      pid_forget_real(r);
      errno = saved;
      return r;
    }
    pid_sys6(SYS_wait4, r, 0, 0, 0, 0, 0); /* the discarded child: reap it, try again */
  }
}

WRAPPER pid_t vfork(void) { return fork(); }

/* envp plus CKPT_PID_TABLE=<table> (malloc'd), or NULL when the table is empty. */
static char** with_table(char* const* envp) {
  static const char kName[] = "CKPT_PID_TABLE=";
  if (pid_table()->count == 0) return NULL;
  int cap = (int)pid_table()->count * 24 + (int)sizeof kName + 1;
  char* value = malloc((size_t)cap);
  size_t n = 0;
  while (envp != NULL && envp[n] != NULL) ++n;
  char** out = malloc((n + 2) * sizeof(char*));
  if (value == NULL || out == NULL) {
    free(value);
    free(out);
    return NULL;
  }
  memcpy(value, kName, sizeof kName);
  pid_table_format(value + sizeof kName - 1, cap - (int)sizeof kName);
  size_t k = 0;
  for (size_t i = 0; i < n; ++i) {
    if (strncmp(envp[i], kName, sizeof kName - 1) != 0) out[k++] = envp[i];
  }
  out[k++] = value;
  out[k] = NULL;
  return out;
}

static void drop(char** env) {
  if (env == NULL) return;
  int saved = errno;
  for (size_t i = 0; env[i] != NULL; ++i) {
    if (strncmp(env[i], "CKPT_PID_TABLE=", 15) == 0) free(env[i]);
  }
  free(env);
  errno = saved;
}

static void spawned(pid_t* pid) {
  if (pid != NULL && *pid > 0) {
    pid_forget_real(*pid);
  }
}

WRAPPER int posix_spawn(pid_t* pid, const char* path, const posix_spawn_file_actions_t* fa,
                        const posix_spawnattr_t* attr, char* const argv[], char* const envp[]) {
  char** env = with_table(envp);
  int rc = CKPT_NEXT(posix_spawn)(pid, path, fa, attr, argv, env != NULL ? env : envp);
  drop(env);
  if (rc == 0) spawned(pid);
  return rc;
}

WRAPPER int posix_spawnp(pid_t* pid, const char* file, const posix_spawn_file_actions_t* fa,
                         const posix_spawnattr_t* attr, char* const argv[], char* const envp[]) {
  char** env = with_table(envp);
  int rc = CKPT_NEXT(posix_spawnp)(pid, file, fa, attr, argv, env != NULL ? env : envp);
  drop(env);
  if (rc == 0) spawned(pid);
  return rc;
}

WRAPPER int execve(const char* path, char* const argv[], char* const envp[]) {
  char** env = with_table(envp);
  int rc = CKPT_NEXT(execve)(path, argv, env != NULL ? env : envp);
  drop(env);
  return rc;
}

WRAPPER int execvpe(const char* file, char* const argv[], char* const envp[]) {
  char** env = with_table(envp);
  int rc = CKPT_NEXT(execvpe)(file, argv, env != NULL ? env : envp);
  drop(env);
  return rc;
}
