/* plugins/pid/pid_plugin.c: the pid plugin's descriptor and event handler: the protocol,
 * top to bottom. Virtual pids are the real pids each process (and thread) saw when it was
 * created; wrappers (pid_wrappers.c, wait_wrappers.c, fork_wrappers.c, proc_paths.c)
 * translate at the API boundary. Events run in the checkpoint thread (except INIT,
 * ATFORK_CHILD and the per-thread ones), with the application stopped during a round:
 * no malloc, no stdio streams, no locks an application thread may hold. */
#define _GNU_SOURCE 1
#include <errno.h>
#include <stdlib.h>

#include "ckpt/plugin.h"
#include "pid_children.h"
#include "pid_names.h"
#include "pid_sys.h"
#include "pid_table.h"
#include "pid_threads.h"

#define PLUGIN_NAME "pid"
#define EXEC_ENV "CKPT_PID_TABLE"

static pid_t g_saved_self;   /* virtual pid at the last checkpoint */
static pid_t g_saved_parent; /* virtual ppid at the last checkpoint */
static pid_t g_saved_pgid;   /* virtual process group at the last checkpoint */
static __attribute__((tls_model("initial-exec"))) __thread pid_t t_saved_tid;

/* After exec the table comes back from the environment (fork_wrappers.c puts it there). */
static void on_init(void) {
  pid_names_init_host();
  const char* carried = getenv(EXEC_ENV);
  if (carried != NULL) {
    pid_table_parse(carried);
    unsetenv(EXEC_ENV);
  }
}

static void on_write_ckpt(void) {
  g_saved_self = pid_to_virtual(raw_getpid());
  g_saved_parent = pid_to_virtual(raw_getppid());
  g_saved_pgid = pid_to_virtual((pid_t)pid_sys(SYS_getpgid, 0, 0, 0));
  pid_children_capture();
}

/* Our own ids at once; the parent's from the exchange if it is a member (else the process
 * that adopted us stands in for it, unless the parent was init). */
static void on_restart(void) {
  pid_note_restart();
  pid_map(g_saved_self, raw_getpid());
  if (g_saved_parent > 1) pid_map(g_saved_parent, raw_getppid());
}

/* Restart: our own entry first (pid_names.h), then our threads, then our process group when
 * its leader process is gone: `ckpt restart` re-created that group with a placeholder
 * leader (launcher/restore_tree.cc), and its members make the new pgid known. (A group
 * whose leader lives is either a member's, published by it, or the group `ckpt restart`
 * runs in, which stays real.) */
static int on_register(void) {
  int rc = pid_names_publish(g_saved_self, raw_getpid(), PID_NAME_PROCESS);
  if (rc < 0) return rc;
  rc = pid_threads_publish(g_saved_self);
  if (rc < 0) return rc;
  pid_t real_pgid = (pid_t)pid_sys(SYS_getpgid, 0, 0, 0);
  if (g_saved_pgid <= 1 || g_saved_pgid == g_saved_self || real_pgid <= 0) return 0;
  if (pid_sys(SYS_kill, real_pgid, 0, 0) != -ESRCH) return 0;
  pid_map(g_saved_pgid, real_pgid);
  return pid_names_publish(g_saved_pgid, real_pgid, PID_NAME_EXTRA);
}

static int on_event(ckpt_event_t event, void* data) {
  const ckpt_event_data_t* d = data;
  switch (event) {
    case CKPT_EVENT_INIT:
      on_init();
      return 0;
    case CKPT_EVENT_ATFORK_CHILD:
      pid_forget_real(raw_getpid()); /* a stale entry of a process whose pid we reuse */
      return 0;
    case CKPT_EVENT_WAIT_FOR_SUSPEND_MSG:
      pid_threads_reset();
      return 0;
    case CKPT_EVENT_PRE_SUSPEND_USER_THREAD:
      t_saved_tid = pid_to_virtual(raw_gettid());
      pid_threads_note(t_saved_tid, (uintptr_t)__builtin_frame_address(0));
      return 0;
    case CKPT_EVENT_WRITE_CKPT:
      on_write_ckpt();
      return 0;
    case CKPT_EVENT_RESTART:
      on_restart();
      return 0;
    case CKPT_EVENT_REGISTER_NAME_SERVICE_DATA:
      return d->is_restart ? on_register() : 0;
    case CKPT_EVENT_SEND_QUERIES:
      if (d->is_restart) {
        int rc = pid_names_query();
        pid_children_match_zombies();
        pid_map(g_saved_self, raw_getpid());
        return rc < 0 ? rc : 0;
      }
      return 0;
    case CKPT_EVENT_RESUME_USER_THREAD:
      if (d->is_restart && t_saved_tid > 0) pid_map(t_saved_tid, raw_gettid());
      return 0;
    default:
      return 0;
  }
}

/* Order 900: last at checkpoint (the children are listed once every plugin is done), first
 * on the way back, so that other plugins' restart code already sees translated ids. */
CKPT_DECLARE_PLUGIN({CKPT_PLUGIN_ABI_V1, PLUGIN_NAME, 900, 1, on_event});
