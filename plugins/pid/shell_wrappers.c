/* plugins/pid/shell_wrappers.c: commands run through /bin/sh. Wrapped: popen pclose system.
 * glibc starts the shell with its internal posix_spawn and reaps it with its internal
 * waitpid, which no wrapper sees: after a restart pclose()/system() would wait for the real
 * pid of before the restart and fail with ECHILD, and the shell would not get the pid
 * table. These wrappers do what POSIX describes with the wrapped fork, execve and waitpid
 * instead, so the shell's pid is translated like any child's and a wait blocked across a
 * restart is retried (wait_wrappers.c). A stream not opened here goes to glibc's pclose.
 * Not checkpoint-path: application threads (may allocate, take the list's mutex; the
 * checkpoint never takes it).
 * Differences from glibc: system() keeps SIGINT/SIGQUIT ignored per call, not counted across
 * concurrent calls. */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ckpt/plugin.h"

#define WRAPPER __attribute__((visibility("default")))
#define MAX_STREAMS 256

extern char** environ;

struct shell_stream {
  FILE* fp;
  int fd;
  pid_t pid;
};

static struct shell_stream g_streams[MAX_STREAMS];
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;

/* In the child (after fork): /bin/sh -c command, through the execve wrapper. */
static void exec_shell(const char* command) {
  char* argv[] = {(char*)"sh", (char*)"-c", (char*)command, NULL};
  execve("/bin/sh", argv, environ);
  _exit(127);
}

/* Child side of popen: its pipe end on stdin/stdout, earlier popen streams closed. */
static void popen_child(int child_end, int target, const char* command) {
  for (int i = 0; i < MAX_STREAMS; ++i) {
    if (g_streams[i].fp != NULL) close(g_streams[i].fd);
  }
  if (child_end != target) {
    dup2(child_end, target);
    close(child_end);
  } else {
    fcntl(target, F_SETFD, 0);
  }
  exec_shell(command);
}

static int free_slot(void) {
  for (int i = 0; i < MAX_STREAMS; ++i) {
    if (g_streams[i].fp == NULL) return i;
  }
  return -1;
}

WRAPPER FILE* popen(const char* command, const char* mode) {
  int reading = mode[0] == 'r', cloexec = strchr(mode, 'e') != NULL;
  if ((mode[0] != 'r' && mode[0] != 'w') || command == NULL) {
    errno = EINVAL;
    return NULL;
  }
  int ends[2];
  if (pipe2(ends, O_CLOEXEC) != 0) return NULL;
  int mine = reading ? ends[0] : ends[1], theirs = reading ? ends[1] : ends[0];
  pthread_mutex_lock(&g_lock);
  int slot = free_slot();
  pid_t pid = slot < 0 ? -1 : fork();
  if (pid == 0) popen_child(theirs, reading ? 1 : 0, command);
  int saved = slot < 0 ? EMFILE : errno;
  close(theirs);
  FILE* fp = pid > 0 ? fdopen(mine, reading ? "r" : "w") : NULL;
  if (fp != NULL) {
    if (!cloexec) fcntl(mine, F_SETFD, 0);
    g_streams[slot] = (struct shell_stream){fp, mine, pid};
  }
  pthread_mutex_unlock(&g_lock);
  if (fp == NULL) {
    saved = pid > 0 ? errno : saved;
    close(mine);
    if (pid > 0) waitpid(pid, NULL, 0);
    errno = saved;
  }
  return fp;
}

/* The shell's status, waiting through the wrapper (EINTR restarted, as glibc does). */
static int wait_shell(pid_t pid) {
  int st = 0;
  pid_t r;
  do {
    r = waitpid(pid, &st, 0);
  } while (r < 0 && errno == EINTR);
  return r < 0 ? -1 : st;
}

WRAPPER int pclose(FILE* fp) {
  pid_t pid = -1;
  pthread_mutex_lock(&g_lock);
  for (int i = 0; i < MAX_STREAMS && pid < 0; ++i) {
    if (g_streams[i].fp == fp) {
      pid = g_streams[i].pid;
      g_streams[i].fp = NULL;
    }
  }
  pthread_mutex_unlock(&g_lock);
  if (pid < 0) return CKPT_NEXT(pclose)(fp);
  fclose(fp);
  return wait_shell(pid);
}

WRAPPER int system(const char* command) {
  if (command == NULL) return access("/bin/sh", X_OK) == 0;
  struct sigaction ign = {0}, old_int, old_quit;
  ign.sa_handler = SIG_IGN;
  sigemptyset(&ign.sa_mask);
  sigset_t chld, old_mask;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigaction(SIGINT, &ign, &old_int);
  sigaction(SIGQUIT, &ign, &old_quit);
  sigprocmask(SIG_BLOCK, &chld, &old_mask);
  pid_t pid = fork();
  if (pid == 0) {
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGQUIT, &old_quit, NULL);
    sigprocmask(SIG_SETMASK, &old_mask, NULL);
    exec_shell(command);
  }
  int st = pid < 0 ? -1 : wait_shell(pid);
  int saved = errno;
  sigaction(SIGINT, &old_int, NULL);
  sigaction(SIGQUIT, &old_quit, NULL);
  sigprocmask(SIG_SETMASK, &old_mask, NULL);
  errno = saved;
  return st;
}
