/* ckpt/plugin.h: the native plugin API of ckpt (C ABI, usable from C and C++).
 *
 * A plugin is a shared library preloaded after libckpt.so (`ckpt launch --with-plugin
 * A.so:B.so`). It describes itself with a ckpt_plugin_t descriptor, either exported under
 * the symbol name `ckpt_plugin_descriptor` (CKPT_DECLARE_PLUGIN) or passed to
 * ckpt_register_plugin() from a constructor. libckpt calls its handler at each event of
 * shared/DESIGN.md section 3, in the plugin's explicit order: ascending at checkpoint,
 * descending on the way back (RESUME, RESTART, REFILL, REGISTER_NAME_SERVICE_DATA,
 * SEND_QUERIES, THREADS_RESUME, RESUME_USER_THREAD). Plugins written against the DMTCP 2.x
 * API (dmtcp/plugin.h) form one chain at order CKPT_ORDER_SEED.
 *
 * Threads: the events of a checkpoint round run in libckpt's checkpoint thread while every
 * application thread is stopped. Handlers for them must not allocate or take locks that an
 * application thread may hold (malloc, stdio). ckpt_kv_*, ckpt_barrier and the section
 * functions are valid only there (they use the checkpoint thread's coordinator session).
 */
#ifndef CKPT_PLUGIN_H
#define CKPT_PLUGIN_H

#include <stddef.h>
#include <stdint.h>
#include <dlfcn.h>

#ifndef RTLD_NEXT
#define RTLD_NEXT ((void*)-1l) /* glibc's value; <dlfcn.h> hides it without _GNU_SOURCE */
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define CKPT_EXPORT __attribute__((visibility("default")))
#define CKPT_PLUGIN_ABI_V1 1u

/* Order of the seed (DMTCP) plugins' chain; built-in plugins use 10..999, so a seed plugin
 * sees checkpoint events before them and resume/restart events after them. */
#define CKPT_ORDER_SEED 0

typedef enum ckpt_event {
  CKPT_EVENT_INIT = 1,
  CKPT_EVENT_EXIT,
  CKPT_EVENT_PRE_EXEC,
  CKPT_EVENT_POST_EXEC,
  CKPT_EVENT_ATFORK_PREPARE,
  CKPT_EVENT_ATFORK_PARENT,
  CKPT_EVENT_ATFORK_CHILD,
  CKPT_EVENT_WAIT_FOR_SUSPEND_MSG,
  CKPT_EVENT_PRE_SUSPEND_USER_THREAD,
  CKPT_EVENT_THREADS_SUSPEND,
  CKPT_EVENT_SUSPENDED,
  CKPT_EVENT_LEADER_ELECTION,
  CKPT_EVENT_DRAIN,
  CKPT_EVENT_WRITE_CKPT,
  CKPT_EVENT_RESUME,
  CKPT_EVENT_RESTART,
  CKPT_EVENT_REFILL,
  CKPT_EVENT_REGISTER_NAME_SERVICE_DATA,
  CKPT_EVENT_SEND_QUERIES,
  CKPT_EVENT_THREADS_RESUME,
  CKPT_EVENT_RESUME_USER_THREAD,
  CKPT_EVENT_THREAD_START,
  CKPT_EVENT_THREAD_CREATED,
  CKPT_EVENT_PTHREAD_START,
  CKPT_EVENT_PTHREAD_EXIT,
  CKPT_EVENT_PTHREAD_RETURN,
  CKPT_EVENT_MAX_
} ckpt_event_t;

/* What a handler's `data` points to: is_restart is 1 on the way back from a restart (REFILL,
 * REGISTER_NAME_SERVICE_DATA, SEND_QUERIES, THREADS_RESUME, RESUME_USER_THREAD) and 0 after
 * a plain checkpoint; fd is -1 (PRE_EXEC/POST_EXEC carry no serialization fd). */
typedef union ckpt_event_data {
  int is_restart;
  int fd;
} ckpt_event_data_t;

/* Returns 0, or non-zero to refuse the checkpoint in progress (checkpoint events only;
 * elsewhere the value is logged). */
typedef int (*ckpt_event_handler_t)(ckpt_event_t event, void* data);

typedef struct ckpt_plugin {
  uint32_t abi;                  /* CKPT_PLUGIN_ABI_V1 */
  const char* name;              /* short, unique: "socket"; also the image section name */
  int32_t order;                 /* explicit order (see above) */
  uint32_t section_version;      /* version of this plugin's image section */
  ckpt_event_handler_t on_event; /* may be NULL (a wrappers-only plugin) */
} ckpt_plugin_t;

/* Exports the descriptor that libckpt looks up in every preloaded library. */
#define CKPT_DECLARE_PLUGIN(...) \
  CKPT_EXPORT const ckpt_plugin_t ckpt_plugin_descriptor = __VA_ARGS__

/* Registers a descriptor (from a constructor; the descriptor must stay valid).
 * Returns 0, or -1 if the name is taken, the ABI unknown or the table full. */
int ckpt_register_plugin(const ckpt_plugin_t* plugin) CKPT_EXPORT;

/* ---- state of the process ------------------------------------------------------------- */
int ckpt_is_enabled(void) CKPT_EXPORT;       /* 1 under ckpt with a coordinator session */
int ckpt_is_restarted(void) CKPT_EXPORT;     /* 1 after this process has been restarted */
uint64_t ckpt_generation(void) CKPT_EXPORT;  /* generation of the round in progress/last */
int ckpt_vpid(void) CKPT_EXPORT;             /* this process's id in the computation */

/* ---- barriers (checkpoint thread, inside an event handler) ----------------------------- */
typedef enum ckpt_scope {
  CKPT_SCOPE_LOCAL = 0,  /* this process: every plugin of the process has reached it */
  CKPT_SCOPE_GLOBAL = 1  /* every process of the round (a coordinator barrier) */
} ckpt_scope_t;
/* Global barriers are named "<plugin>.<name>" on the wire; every process of the round must
 * reach them. Returns 0, 1 if the coordinator aborted the round, or -errno. */
int ckpt_barrier(const char* plugin, const char* name, ckpt_scope_t scope) CKPT_EXPORT;

/* ---- image sections -------------------------------------------------------------------- */
/* At CKPT_EVENT_WRITE_CKPT: appends `len` bytes to `plugin`'s section of the image being
 * written (copied into a preallocated arena of CKPT_SECTION_ARENA bytes). Returns 0 or
 * -errno (-ENOSPC when the arena is full). */
#define CKPT_SECTION_ARENA (4u << 20)
int ckpt_section_write(const char* plugin, const void* data, size_t len) CKPT_EXPORT;
/* At RESUME/RESTART and later: the bytes `plugin` wrote at the last checkpoint. Returns a
 * pointer into restored memory (read-only) and stores the length, or NULL if none. */
const void* ckpt_section_read(const char* plugin, size_t* len) CKPT_EXPORT;

/* ---- memory a plugin restores itself ----------------------------------------------------- */
/* During a round, up to CKPT_EVENT_WRITE_CKPT: every mapping inside [start, end) (page
 * aligned; a mapping only partly inside is saved as usual) is recorded in this process's
 * image without its pages; restart maps zero-filled memory of the same kind there, for the
 * plugin to fill or replace (e.g. a SysV segment whose contents another process saves).
 * Checkpoint thread only; lasts for the round. Returns 0 or -errno (-EPERM elsewhere,
 * -EINVAL, -ENOSPC: 256 ranges). */
int ckpt_region_skip_pages(uint64_t start, uint64_t end) CKPT_EXPORT;

/* ---- the coordinator's key-value store (checkpoint thread) ----------------------------- */
typedef enum ckpt_kv_op {
  CKPT_KV_SET = 0,
  CKPT_KV_MIN = 1,
  CKPT_KV_MAX = 2,
  CKPT_KV_ADD = 3,
  CKPT_KV_OR = 4
} ckpt_kv_op_t;
/* Publishes key -> value (replaces). Returns 0 or -errno. */
int ckpt_kv_put(const void* key, size_t key_len, const void* val, size_t val_len) CKPT_EXPORT;
/* Looks key up; copies at most `cap` bytes. Returns the value's full length, -ENOENT if the
 * key is unknown, or -errno. */
long ckpt_kv_get(const void* key, size_t key_len, void* val, size_t cap) CKPT_EXPORT;
/* Atomic MIN/MAX/ADD/OR on an int64 value; stores the value after the op in *result. */
int ckpt_kv_atomic(ckpt_kv_op_t op, const void* key, size_t key_len, int64_t operand,
                   int64_t* result) CKPT_EXPORT;

/* ---- id translation table (virtual <-> real), part of process memory, so saved ---------- */
typedef struct ckpt_id_entry {
  int64_t virt;
  int64_t real;
} ckpt_id_entry_t;
typedef struct ckpt_id_table {
  uint32_t capacity;
  uint32_t count;
  int64_t next_virtual;   /* next id handed out by ckpt_id_virtualize */
  volatile int lock;      /* spin lock; never held across a blocking call */
  int pad;
  ckpt_id_entry_t* entries;
} ckpt_id_table_t;
/* Defines a static table with room for `cap` ids, virtual ids starting at `first`. */
#define CKPT_ID_TABLE(var, cap, first)            \
  static ckpt_id_entry_t var##_entries_[(cap)];   \
  static ckpt_id_table_t var = {(cap), 0, (first), 0, 0, var##_entries_}
/* Returns the virtual id of `real`, adding a new entry if needed; -1 if full. */
int64_t ckpt_id_virtualize(ckpt_id_table_t* t, int64_t real) CKPT_EXPORT;
/* Adds or replaces the entry for `virt`. Returns 0, -1 if full. */
int ckpt_id_set(ckpt_id_table_t* t, int64_t virt, int64_t real) CKPT_EXPORT;
int64_t ckpt_id_to_real(ckpt_id_table_t* t, int64_t virt) CKPT_EXPORT;  /* -1: unknown */
int64_t ckpt_id_to_virtual(ckpt_id_table_t* t, int64_t real) CKPT_EXPORT; /* -1: unknown */
int ckpt_id_remove(ckpt_id_table_t* t, int64_t virt) CKPT_EXPORT;        /* 0, -1 unknown */

/* ---- fds a plugin handles ----------------------------------------------------------------- */
/* libckpt itself saves and restores the fd kinds it knows (regular files, directories,
 * devices, pipes, eventfd, epoll, ...). Any other fd (a socket, ...) makes the checkpoint
 * fail with a message naming it, unless a plugin claims it during the round (at
 * CKPT_EVENT_SUSPENDED or CKPT_EVENT_LEADER_ELECTION): libckpt then leaves it alone, and at
 * restart keeps its number free for the plugin to fill (by CKPT_EVENT_RESTART's end).
 * Claims last for one round. Returns 0 or -errno (-EBADF, -ENOSPC). */
int ckpt_fd_claim(int fd, const char* plugin) CKPT_EXPORT;

/* ---- passing open files between processes of one host --------------------------------- */
/* A pipe whose ends were in two processes, a socketpair, a file offset shared after fork:
 * at restart one process re-creates the object and hands the other processes on the same
 * host their fds. One process offers an fd under a key, others want that key, then ONE
 * collective exchange, called by every process of the round from the same event handler,
 * passes them (SCM_RIGHTS over abstract Unix sockets; two global barriers named after
 * `plugin`). Keys are strings of at most 63 bytes, unique on the host for the round
 * (e.g. "pipe:<inode>"). Checkpoint thread only; no allocation. Table: 1024 keys. */
int ckpt_fd_offer(const char* key, int fd) CKPT_EXPORT; /* 0 or -errno (-ENOSPC: full) */
int ckpt_fd_want(const char* key) CKPT_EXPORT;          /* 0 or -errno */
/* Returns 0, 1 if the coordinator aborted the round, or -errno. Clears the offers. */
int ckpt_fd_exchange(const char* plugin) CKPT_EXPORT;
/* After the exchange: the fd received for a wanted key (the caller owns it; each call
 * returns it once), or -ENOENT if nobody offered it. */
int ckpt_fd_received(const char* key) CKPT_EXPORT;

/* ---- wrappers ---------------------------------------------------------------------------- */
/* The next definition of `fn` after the calling library (dlsym(RTLD_NEXT)), looked up once
 * and cached: wrappers of the same function in several plugins nest in load order. */
#define CKPT_NEXT(fn)                                                      \
  (__extension__({                                                         \
    static __typeof__(&fn) ckpt_next_##fn##_;                              \
    if (ckpt_next_##fn##_ == 0) {                                          \
      ckpt_next_##fn##_ = (__typeof__(&fn))dlsym(RTLD_NEXT, #fn);          \
    }                                                                      \
    ckpt_next_##fn##_;                                                     \
  }))

/* Wrappers that must not be interrupted by a checkpoint (fork-like critical sections). */
void ckpt_delay_checkpoints_lock(void) CKPT_EXPORT;
void ckpt_delay_checkpoints_unlock(void) CKPT_EXPORT;

#ifdef __cplusplus
}
#endif

#endif /* CKPT_PLUGIN_H */
