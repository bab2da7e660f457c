/* ckpt/ckpt.h: the application API of ckpt. Header-only on the application's side: every
 * call looks libckpt up at run time (dlsym(RTLD_DEFAULT)), so a program built with it runs
 * unchanged without ckpt, where the calls answer CKPT_NOT_PRESENT (or 0 for
 * ckpt_app_is_enabled). Build: cc -fPIC $(pkg-config --cflags ckpt) app.c [-ldl].
 */
#ifndef CKPT_CKPT_H
#define CKPT_CKPT_H

#include <dlfcn.h>

#ifndef RTLD_DEFAULT
#define RTLD_DEFAULT ((void*)0) /* glibc's value; <dlfcn.h> hides it without _GNU_SOURCE */
#endif

#define CKPT_AFTER_CHECKPOINT 1 /* the checkpoint was committed; this is the same process */
#define CKPT_AFTER_RESTART 2    /* this process was restarted from that checkpoint */
#define CKPT_NOT_PRESENT 3      /* not running under ckpt */
#define CKPT_ERROR (-1)         /* the checkpoint failed (the reason is in libckpt's log) */

#ifdef __cplusplus
extern "C" {
#endif

/* Looks up libckpt's entry point `name`; NULL when the process runs without ckpt. */
static inline int (*ckpt_app_fn_(const char* name))(void) {
  union {
    void* p;
    int (*f)(void);
  } u;
  u.p = dlsym(RTLD_DEFAULT, name);
  return u.f;
}

/* 1 when running under ckpt, else 0. */
static inline int ckpt_app_is_enabled(void) {
  int (*f)(void) = ckpt_app_fn_("ckpt_is_enabled");
  return f != 0 ? f() : 0;
}

/* Takes a checkpoint of the whole computation and waits until it is committed. Returns
 * CKPT_AFTER_CHECKPOINT, CKPT_AFTER_RESTART, CKPT_NOT_PRESENT or CKPT_ERROR. */
static inline int ckpt_app_checkpoint(void) {
  int (*f)(void) = ckpt_app_fn_("ckpt_checkpoint");
  return f != 0 ? f() : CKPT_NOT_PRESENT;
}

/* Holds checkpoints back until the matching unlock (nests; per process). A checkpoint
 * requested meanwhile waits and runs at the last unlock. 0, or CKPT_NOT_PRESENT. */
static inline int ckpt_app_delay_checkpoints_lock(void) {
  int (*f)(void) = ckpt_app_fn_("ckpt_delay_checkpoints_lock_app");
  return f != 0 ? f() : CKPT_NOT_PRESENT;
}

static inline int ckpt_app_delay_checkpoints_unlock(void) {
  int (*f)(void) = ckpt_app_fn_("ckpt_delay_checkpoints_unlock_app");
  return f != 0 ? f() : CKPT_NOT_PRESENT;
}

#ifdef __cplusplus
}
#endif

#endif /* CKPT_CKPT_H */
