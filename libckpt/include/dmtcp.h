/* dmtcp.h: the DMTCP 2.x plugin and application API (shared/seed/plugin-tutorial.txt), as a
 * thin layer over ckpt's native API (ckpt/plugin.h, ckpt/ckpt.h). A plugin or application
 * written for DMTCP 2.x compiles against this header unchanged:
 *   gcc -shared -fPIC $(pkg-config --cflags ckpt) -o PLUGIN1.so PLUGIN1.c
 *   gcc -fPIC $(pkg-config --cflags ckpt) -o myapp myapp.c -ldl
 * Event hooks are chained in library search order (the order of --with-plugin); a hook that
 * does not call DMTCP_NEXT_EVENT_HOOK stops the later plugins from seeing the event. The
 * application calls (dmtcpCheckpoint, ...) also work when the program runs without ckpt.
 */
#ifndef DMTCP_H
#define DMTCP_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "ckpt/ckpt.h"
#include "ckpt/plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef EXTERNC
#ifdef __cplusplus
#define EXTERNC extern "C"
#else
#define EXTERNC
#endif
#endif

#define DMTCP_AFTER_CHECKPOINT CKPT_AFTER_CHECKPOINT
#define DMTCP_AFTER_RESTART CKPT_AFTER_RESTART
#define DMTCP_NOT_PRESENT CKPT_NOT_PRESENT

typedef enum eDmtcpEvent {
  DMTCP_EVENT_INIT = CKPT_EVENT_INIT,
  DMTCP_EVENT_EXIT = CKPT_EVENT_EXIT,
  DMTCP_EVENT_PRE_EXEC = CKPT_EVENT_PRE_EXEC,
  DMTCP_EVENT_POST_EXEC = CKPT_EVENT_POST_EXEC,
  DMTCP_EVENT_ATFORK_PREPARE = CKPT_EVENT_ATFORK_PREPARE,
  DMTCP_EVENT_ATFORK_PARENT = CKPT_EVENT_ATFORK_PARENT,
  DMTCP_EVENT_ATFORK_CHILD = CKPT_EVENT_ATFORK_CHILD,
  DMTCP_EVENT_WAIT_FOR_SUSPEND_MSG = CKPT_EVENT_WAIT_FOR_SUSPEND_MSG,
  DMTCP_EVENT_PRE_SUSPEND_USER_THREAD = CKPT_EVENT_PRE_SUSPEND_USER_THREAD,
  DMTCP_EVENT_THREADS_SUSPEND = CKPT_EVENT_THREADS_SUSPEND,
  DMTCP_EVENT_SUSPENDED = CKPT_EVENT_SUSPENDED,
  DMTCP_EVENT_LEADER_ELECTION = CKPT_EVENT_LEADER_ELECTION,
  DMTCP_EVENT_DRAIN = CKPT_EVENT_DRAIN,
  DMTCP_EVENT_WRITE_CKPT = CKPT_EVENT_WRITE_CKPT,
  DMTCP_EVENT_RESUME = CKPT_EVENT_RESUME,
  DMTCP_EVENT_RESTART = CKPT_EVENT_RESTART,
  DMTCP_EVENT_REFILL = CKPT_EVENT_REFILL,
  DMTCP_EVENT_REGISTER_NAME_SERVICE_DATA = CKPT_EVENT_REGISTER_NAME_SERVICE_DATA,
  DMTCP_EVENT_SEND_QUERIES = CKPT_EVENT_SEND_QUERIES,
  DMTCP_EVENT_THREADS_RESUME = CKPT_EVENT_THREADS_RESUME,
  DMTCP_EVENT_RESUME_USER_THREAD = CKPT_EVENT_RESUME_USER_THREAD,
  DMTCP_EVENT_THREAD_START = CKPT_EVENT_THREAD_START,
  DMTCP_EVENT_THREAD_CREATED = CKPT_EVENT_THREAD_CREATED,
  DMTCP_EVENT_PTHREAD_START = CKPT_EVENT_PTHREAD_START,
  DMTCP_EVENT_PTHREAD_EXIT = CKPT_EVENT_PTHREAD_EXIT,
  DMTCP_EVENT_PTHREAD_RETURN = CKPT_EVENT_PTHREAD_RETURN,
  DMTCP_EVENT_MAX = CKPT_EVENT_MAX_
} DmtcpEvent_t;

/* The `data` argument of dmtcp_event_hook. Every member is one int at offset 0:
 * isRestart (1 after a restart, 0 after a plain checkpoint) for REFILL, RESUME_USER_THREAD,
 * REGISTER_NAME_SERVICE_DATA, SEND_QUERIES, THREADS_RESUME; fd (-1) for PRE_EXEC/POST_EXEC. */
typedef union _DmtcpEventData_t {
  struct { int fd; } serializerInfo;
  struct { int isRestart; } nameserviceInfo;
  struct { int isRestart; } refillInfo;
  struct { int isRestart; } resumeUserThreadInfo;
  struct { int isRestart; } resumeInfo;
} DmtcpEventData_t;

/* Defined by each plugin that handles events (optional). */
void dmtcp_event_hook(DmtcpEvent_t event, DmtcpEventData_t* data);

/* libckpt's continuation of the hook chain (weak: the plugin still loads without it). */
void ckpt_seed_next_hook(int event, void* data) __attribute__((weak));

/* Calls the next plugin's hook; zero or one times per event. */
#define DMTCP_NEXT_EVENT_HOOK(event, data)                        \
  do {                                                            \
    if (ckpt_seed_next_hook != 0) {                               \
      ckpt_seed_next_hook((int)(event), (void*)(data));           \
    }                                                             \
  } while (0)

/* The next definition of `func` after this library, looked up once (wrappers nest). */
#define NEXT_FNC(func) CKPT_NEXT(func)

/* Publish/subscribe through the coordinator (REGISTER_NAME_SERVICE_DATA / SEND_QUERIES,
 * which have a global barrier between them). Return 1 on success, 0 on failure; the query
 * takes the capacity of `val` in *val_len and stores the value's length there. */
int dmtcp_send_key_val_pair_to_coordinator(const void* key, size_t key_len, const void* val,
                                           size_t val_len);
int dmtcp_send_query_to_coordinator(const void* key, size_t key_len, void* val,
                                    size_t* val_len);

/* Utility functions (strings are canonical: do not free or change them). */
void dmtcp_get_local_ip_addr(struct in_addr* in);
const char* dmtcp_get_tmpdir(void);
const char* dmtcp_get_ckpt_dir(void);
const char* dmtcp_get_ckpt_files_subdir(void);
int dmtcp_get_ckpt_signal(void);
const char* dmtcp_get_uniquepid_str(void);
const char* dmtcp_get_computation_id_str(void);
uint64_t dmtcp_get_coordinator_timestamp(void);
uint32_t dmtcp_get_generation(void);
const char* dmtcp_get_executable_path(void);
int dmtcp_is_enabled(void);
int dmtcp_is_restarted(void);

/* Copies the value of `name` in the environment of the restarted process into `value`
 * (at most maxvaluelen bytes with the NUL). Returns one of: */
#define RESTART_ENV_SUCCESS 0
#define RESTART_ENV_NOTFOUND (-1)
#define RESTART_ENV_TOOLONG (-2)
#define RESTART_ENV_DMTCP_BUF_TOO_SMALL (-3)
#define RESTART_ENV_INTERNAL_ERROR (-4)
#define RESTART_ENV_NULL_PTR (-5)
int dmtcp_get_restart_env(char* name, char* value, int maxvaluelen);

/* Critical sections inside plugin wrappers. */
#define DMTCP_PLUGIN_DISABLE_CKPT() ckpt_delay_checkpoints_lock()
#define DMTCP_PLUGIN_ENABLE_CKPT() ckpt_delay_checkpoints_unlock()

/* ---- application API (works without ckpt: DMTCP_NOT_PRESENT) ---- */
static inline int dmtcpIsEnabled(void) { return ckpt_app_is_enabled(); }
static inline int dmtcpCheckpoint(void) { return ckpt_app_checkpoint(); }
static inline int dmtcpDelayCheckpointsLock(void) { return ckpt_app_delay_checkpoints_lock(); }
static inline int dmtcpDelayCheckpointsUnlock(void) {
  return ckpt_app_delay_checkpoints_unlock();
}

#ifdef __cplusplus
}
#endif

#endif /* DMTCP_H */
