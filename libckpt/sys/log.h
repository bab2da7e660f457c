// libckpt/sys/log.h: logging and assertions for code inside the application.
// Checkpoint-path safe: formats "{}"-style into a stack buffer and emits each line with one
// write(2) to a protected fd opened at init (STYLE.md sections 4 and 5). No allocation.
#pragma once

#include <stdint.h>

#include <type_traits>

#include "sys/str.h"

namespace ckpt::log {

enum Level : int { kFatal = 0, kError = 1, kWarn = 2, kInfo = 3, kDebug = 4, kTrace = 5 };

struct LogState {
  int fd = 2;             // protected fd (moved high at init)
  int level = kWarn;
  int rank = -1;
  char host[64] = "?";
  int64_t generation = 0;
  const char* phase = "running";
};
LogState& state();

// Parses "warn", "debug", "warn,core=debug" (per-module levels: the most verbose one wins).
void configure(const char* spec);

inline void append(sys::Fmt& f, const char* v) { f.s(v != nullptr ? v : "(null)"); }
inline void append(sys::Fmt& f, char* v) { append(f, static_cast<const char*>(v)); }
inline void append(sys::Fmt& f, const void* v) { f.x(reinterpret_cast<uint64_t>(v)); }
inline void append(sys::Fmt& f, bool v) { f.s(v ? "true" : "false"); }
template <typename T>
inline std::enable_if_t<std::is_integral_v<T> || std::is_enum_v<T>> append(sys::Fmt& f, T v) {
  if constexpr (std::is_signed_v<T>) {
    f.i(static_cast<int64_t>(v));
  } else {
    f.u(static_cast<uint64_t>(v));
  }
}

inline void format(sys::Fmt& f, const char* fmt) { f.s(fmt); }
template <typename T, typename... Rest>
void format(sys::Fmt& f, const char* fmt, T v, Rest... rest) {
  for (; *fmt != '\0'; ++fmt) {
    if (fmt[0] == '{' && fmt[1] == '}') {
      append(f, v);
      format(f, fmt + 2, rest...);
      return;
    }
    f.c(*fmt);
  }
}

void emit(int level, const char* module, const char* msg);
[[noreturn]] void assert_failed(const char* file, int line, const char* cond, const char* msg);

template <typename... A>
void log(int level, const char* module, const char* fmt, A... args) {
  if (level > state().level) {
    return;
  }
  char buf[768];
  sys::Fmt f(buf, sizeof buf);
  format(f, fmt, args...);
  emit(level, module, buf);
}

}  // namespace ckpt::log

#ifndef CKPT_LOG_MODULE
#define CKPT_LOG_MODULE "core"
#endif

#define CKPT_LOG(level, ...) ::ckpt::log::log(::ckpt::log::level, CKPT_LOG_MODULE, __VA_ARGS__)

// Always on, also in release builds. Legal in the checkpoint path.
#define CKPT_ASSERT(cond, ...)                                          \
  do {                                                                  \
    if (!(cond)) {                                                      \
      char ckpt_assert_buf_[512];                                       \
      ::ckpt::sys::Fmt ckpt_assert_f_(ckpt_assert_buf_, 512);           \
      ::ckpt::log::format(ckpt_assert_f_, __VA_ARGS__);                 \
      ::ckpt::log::assert_failed(__FILE__, __LINE__, #cond, ckpt_assert_buf_); \
    }                                                                   \
  } while (0)
