/* tests/harness/ct.h: helpers for checkpoint/restart test programs (STYLE.md section 8).
 *
 * Contract: ct_init(argc, argv) -> set up state, keep expectations in locals ->
 * ct_checkpoint_point() -> verify -> ct_pass() (prints PASS, exits 0).
 * CT_CHECK(cond) / ct_fail(fmt, ...) print "FAIL: file:line ..." and exit 1.
 * Every line of output leaves in a single write(2), so it survives a checkpoint taken at
 * any moment and never interleaves with other threads.
 *
 * Environment (set by tests/harness/ckpt_test.py):
 *   CT_SCRATCH  the test's private scratch directory (ct_path() builds paths inside it)
 *   CT_CONTROL  control directory: ct_checkpoint_point() creates "ready" there and waits
 *               until "go" exists. Unset (native run by hand): it returns at once.
 */
#ifndef CT_H
#define CT_H

#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#ifdef __cplusplus
extern "C" {
#endif

void ct_init(int argc, char** argv);
/* A path inside the scratch directory. The result lives in one of 16 rotating static
 * buffers: copy it if you keep more than a few. */
const char* ct_path(const char* name);
/* Tells the harness "ready" and blocks until it says "go" (across any number of
 * checkpoint/kill/restart cycles). Returns at once when CT_CONTROL is unset. */
void ct_checkpoint_point(void);
/* 1 once ct_checkpoint_point() has returned (the harness said go). */
int ct_released(void);
void ct_log(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void ct_fail_at(const char* file, int line, const char* fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));
void ct_pass(void) __attribute__((noreturn));
/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t ct_now_ns(void);
/* Sleeps at least ms milliseconds of CLOCK_MONOTONIC time; restarts after EINTR or an
 * early wake-up (a restart may cut a nanosleep short). */
void ct_sleep_ms(unsigned ms);
/* A system call with one argument made with the syscall instruction, past every wrapper (the
 * pid plugin wraps syscall(2)): the kernel's real ids, e.g. ct_raw_syscall1(SYS_getpid, 0).
 * Returns -errno on failure. */
long ct_raw_syscall1(long nr, long arg);

#define ct_fail(...) ct_fail_at(__FILE__, __LINE__, __VA_ARGS__)
#define CT_CHECK(cond)                                                        \
  do {                                                                        \
    if (!(cond)) {                                                            \
      ct_fail_at(__FILE__, __LINE__, "CT_CHECK(%s) errno=%d", #cond, errno);  \
    }                                                                         \
  } while (0)

#ifdef __cplusplus
}
#endif

#endif /* CT_H */
