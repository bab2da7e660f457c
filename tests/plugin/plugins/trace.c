/* tests/plugin/plugins/trace.c: a native plugin that records every event it sees, with a
 * sequence number and the thread, one write(2) per line to $TRACE_FILE (O_APPEND):
 *   "<pid> <tid> <seq> <EVENT>"
 * No allocation: it runs in the checkpoint path. */
#define _GNU_SOURCE 1
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ckpt/plugin.h"

static const char *const kNames[] = {
  "NONE", "INIT", "EXIT", "PRE_EXEC", "POST_EXEC", "ATFORK_PREPARE", "ATFORK_PARENT",
  "ATFORK_CHILD", "WAIT_FOR_SUSPEND_MSG", "PRE_SUSPEND_USER_THREAD", "THREADS_SUSPEND",
  "SUSPENDED", "LEADER_ELECTION", "DRAIN", "WRITE_CKPT", "RESUME", "RESTART", "REFILL",
  "REGISTER_NAME_SERVICE_DATA", "SEND_QUERIES", "THREADS_RESUME", "RESUME_USER_THREAD",
  "THREAD_START", "THREAD_CREATED", "PTHREAD_START", "PTHREAD_EXIT", "PTHREAD_RETURN"};

static int seq;

static int on_event(ckpt_event_t event, void *data)
{
  (void)data;
  const char *path = getenv("TRACE_FILE");
  if (path == NULL) return 0;
  char line[160];
  int n = snprintf(line, sizeof line, "%d %d %d %s\n", (int)getpid(), (int)gettid(),
                   __atomic_add_fetch(&seq, 1, __ATOMIC_SEQ_CST),
                   event > 0 && event < CKPT_EVENT_MAX_ ? kNames[event] : "?");
  int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd >= 0) {
    if (write(fd, line, (size_t)n) != n) { /* nothing to do */ }
    close(fd);
  }
  return 0;
}

CKPT_DECLARE_PLUGIN({CKPT_PLUGIN_ABI_V1, "trace", 50, 1, on_event});
