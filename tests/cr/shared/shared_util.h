/* tests/cr/shared/shared_util.h: helpers for the tests of what several processes share.
 * Until restarted processes keep their parent (process tree work), a restarted child is
 * not the parent's child: processes report through files in the scratch directory and the
 * parent polls for them instead of calling waitpid. */
#ifndef CT_SHARED_UTIL_H
#define CT_SHARED_UTIL_H

#include "ct.h" /* first: it defines _GNU_SOURCE */

#include <stdio.h>

/* Creates scratch file `name` holding `text`. */
static inline void su_put(const char* name, const char* text) {
  char tmp[512];
  snprintf(tmp, sizeof tmp, "%s.tmp", ct_path(name));
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  CT_CHECK(fd >= 0);
  CT_CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
  close(fd);
  CT_CHECK(rename(tmp, ct_path(name)) == 0);
}

/* Waits until scratch file `name` exists; returns its first line (static buffer). */
static inline const char* su_wait(const char* name) {
  static char buf[256];
  int fd;
  while ((fd = open(ct_path(name), O_RDONLY | O_CLOEXEC)) < 0) ct_sleep_ms(5);
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  buf[n > 0 ? n : 0] = '\0';
  return buf;
}

/* A child's stand-in for ct_checkpoint_point(): waits for the harness's "go". */
static inline void su_wait_go(void) {
  const char* control = getenv("CT_CONTROL");
  char go[512];
  if (control == NULL) return;
  snprintf(go, sizeof go, "%s/go", control);
  while (access(go, F_OK) != 0) ct_sleep_ms(10);
}

static inline unsigned char su_byte(unsigned seed, size_t i) {
  return (unsigned char)((i * 131u + seed * 7u + (i >> 8)) & 0xff);
}

static inline void su_write_pattern(int fd, unsigned seed, size_t from, size_t len) {
  unsigned char buf[4096];
  while (len > 0) {
    size_t n = len < sizeof buf ? len : sizeof buf;
    for (size_t i = 0; i < n; ++i) buf[i] = su_byte(seed, from + i);
    ssize_t w = write(fd, buf, n);
    CT_CHECK(w > 0);
    from += (size_t)w;
    len -= (size_t)w;
  }
}

/* Reads exactly len bytes; returns the index of the first wrong byte, or -1 if all match. */
static inline long su_read_pattern(int fd, unsigned seed, size_t from, size_t len) {
  unsigned char buf[4096];
  size_t done = 0;
  while (done < len) {
    size_t want = len - done < sizeof buf ? len - done : sizeof buf;
    ssize_t n = read(fd, buf, want);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return (long)done;
    for (ssize_t i = 0; i < n; ++i) {
      if (buf[i] != su_byte(seed, from + done + (size_t)i)) return (long)(done + (size_t)i);
    }
    done += (size_t)n;
  }
  return -1;
}

#endif /* CT_SHARED_UTIL_H */
