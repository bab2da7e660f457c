/* tests/harness/ct.c: see ct.h. Stdlib only; output through single write(2) calls and
 * the control-file wait through raw open/close/nanosleep, so nothing here holds stdio or
 * malloc state that a checkpoint taken mid-call could confuse. */
#include "ct.h"

#include <stdarg.h>
#include <stdio.h>

enum { kCtPathMax = 4096, kCtLineMax = 4096, kCtPathSlots = 16 };

static char g_scratch[kCtPathMax];
static char g_ready[kCtPathMax];
static char g_go[kCtPathMax];
static const char* g_prog = "ct";
static int g_have_control;
static volatile int g_released;

static void copy_str(char* dst, size_t cap, const char* src) {
  size_t n = strlen(src);
  if (n >= cap) {
    n = cap - 1;
  }
  memcpy(dst, src, n);
  dst[n] = '\0';
}

void ct_init(int argc, char** argv) {
  if (argc > 0 && argv[0] != NULL) {
    const char* slash = strrchr(argv[0], '/');
    g_prog = slash != NULL ? slash + 1 : argv[0];
  }
  const char* scratch = getenv("CT_SCRATCH");
  if (scratch != NULL && scratch[0] != '\0') {
    copy_str(g_scratch, sizeof g_scratch, scratch);
  } else {
    snprintf(g_scratch, sizeof g_scratch, "/tmp/ct-%s-%d", g_prog, (int)getpid());
    mkdir(g_scratch, 0700);
  }
  const char* control = getenv("CT_CONTROL");
  if (control != NULL && control[0] != '\0') {
    if (snprintf(g_ready, sizeof g_ready, "%s/ready", control) >= kCtPathMax ||
        snprintf(g_go, sizeof g_go, "%s/go", control) >= kCtPathMax) {
      ct_fail("CT_CONTROL path too long");
    }
    g_have_control = 1;
  }
}

const char* ct_path(const char* name) {
  static char slots[kCtPathSlots][kCtPathMax];
  static unsigned next;
  char* buf = slots[__atomic_fetch_add(&next, 1, __ATOMIC_RELAXED) % kCtPathSlots];
  if (snprintf(buf, kCtPathMax, "%s/%s", g_scratch, name) >= kCtPathMax) {
    ct_fail("scratch path too long for %s", name);
  }
  return buf;
}

static void write_all(int fd, const char* buf, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, buf, len);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return;
    }
    buf += n;
    len -= (size_t)n;
  }
}

/* Formats "<prefix><message>\n" into one buffer and writes it with one call. */
static void emit(int fd, const char* prefix, const char* fmt, va_list ap) {
  char line[kCtLineMax];
  int saved = errno;
  int n = snprintf(line, sizeof line, "%s", prefix);
  if (n < 0) {
    n = 0;
  }
  int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
  size_t len = (size_t)n + (m > 0 ? (size_t)m : 0);
  if (len > sizeof line - 2) {
    len = sizeof line - 2;
  }
  line[len++] = '\n';
  write_all(fd, line, len);
  errno = saved;
}

void ct_log(const char* fmt, ...) {
  char prefix[128];
  snprintf(prefix, sizeof prefix, "%s: ", g_prog);
  va_list ap;
  va_start(ap, fmt);
  emit(STDOUT_FILENO, prefix, fmt, ap);
  va_end(ap);
}

void ct_fail_at(const char* file, int line, const char* fmt, ...) {
  char prefix[512];
  snprintf(prefix, sizeof prefix, "FAIL: %s:%d: ", file, line);
  va_list ap;
  va_start(ap, fmt);
  emit(STDOUT_FILENO, prefix, fmt, ap);
  va_end(ap);
  exit(1);
}

void ct_pass(void) {
  write_all(STDOUT_FILENO, "PASS\n", 5);
  exit(0);
}

uint64_t ct_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void ct_sleep_ms(unsigned ms) {
  uint64_t deadline = ct_now_ns() + (uint64_t)ms * 1000000u;
  for (uint64_t now = ct_now_ns(); now < deadline; now = ct_now_ns()) {
    uint64_t left = deadline - now;
    struct timespec ts = {(time_t)(left / 1000000000u), (long)(left % 1000000000u)};
    nanosleep(&ts, NULL); /* EINTR or early return: the loop re-checks the deadline */
  }
}

long ct_raw_syscall1(long nr, long arg) {
  long ret;
  __asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(arg) : "rcx", "r11", "memory");
  return ret;
}

static int file_exists(const char* path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return 0;
  }
  close(fd);
  return 1;
}

void ct_checkpoint_point(void) {
  if (g_have_control && !g_released) {
    int fd = open(g_ready, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
      ct_fail("cannot create %s: %s", g_ready, strerror(errno));
    }
    close(fd);
    while (!file_exists(g_go)) {
      struct timespec ts = {0, 10 * 1000 * 1000};
      nanosleep(&ts, NULL); /* EINTR (e.g. across a restart): just poll again */
    }
  }
  g_released = 1;
}

int ct_released(void) { return g_released; }
