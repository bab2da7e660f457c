// libckpt/sys/log.cc: see log.h. Checkpoint-path safe (raw syscalls, stack buffers only).
#include "sys/log.h"

#include "sys/syscall.h"

namespace ckpt::log {

namespace {
LogState g_state;

const char* level_name(int level) {
  static const char* const kNames[] = {"F", "E", "W", "I", "D", "T"};
  return (level >= 0 && level <= kTrace) ? kNames[level] : "?";
}

int parse_level(const char* s, size_t n) {
  static const char* const kWords[] = {"fatal", "error", "warn", "info", "debug", "trace"};
  for (int i = 0; i <= kTrace; ++i) {
    if (sys::str_len(kWords[i]) == n && sys::starts_with(s, kWords[i])) {
      return i;
    }
  }
  return -1;
}
}  // namespace

LogState& state() { return g_state; }

void configure(const char* spec) {
  if (spec == nullptr) {
    return;
  }
  int best = -1;
  while (*spec != '\0') {
    const char* end = spec;
    while (*end != '\0' && *end != ',') {
      ++end;
    }
    const char* word = spec;
    for (const char* p = spec; p < end; ++p) {
      if (*p == '=') {
        word = p + 1;
      }
    }
    int lv = parse_level(word, static_cast<size_t>(end - word));
    best = lv > best ? lv : best;
    spec = (*end == ',') ? end + 1 : end;
  }
  if (best >= 0) {
    g_state.level = best;
  }
}

void emit(int level, const char* module, const char* msg) {
  char line[1024];
  sys::Fmt f(line, sizeof line);
  f.u(sys::monotonic_ns()).c(' ').s(g_state.host).s(" r").i(g_state.rank);
  f.s(" p").i(sys::getpid()).s(" t").i(sys::gettid()).c(' ').s(module).c(' ');
  f.s(level_name(level)).s(": ").s(msg).c('\n');
  sys::write_all(g_state.fd, f.str(), f.len());
}

void assert_failed(const char* file, int line, const char* cond, const char* msg) {
  char buf[900];
  sys::Fmt f(buf, sizeof buf);
  f.s("ASSERT ").s(file).c(':').i(line).s(" (").s(cond).s(") gen=").i(g_state.generation);
  f.s(" phase=").s(g_state.phase).s(": ").s(msg);
  emit(kFatal, "assert", buf);
  const char* wait = nullptr;  // CKPT_DEBUG_ON_FAILURE is read at init into the phase string
  (void)wait;
  sys::kill(sys::getpid(), 6 /*SIGABRT*/);
  sys::exit_group(134);
}

}  // namespace ckpt::log
