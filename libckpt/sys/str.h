// libckpt/sys/str.h: freestanding string helpers and an async-signal-safe formatter.
// Checkpoint-path safe: no libc, no allocation; output goes into caller-provided buffers.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace ckpt::sys {

inline size_t str_len(const char* s) {
  size_t n = 0;
  while (s[n] != '\0') {
    ++n;
  }
  return n;
}

inline bool str_eq(const char* a, const char* b) {
  while (*a != '\0' && *a == *b) {
    ++a;
    ++b;
  }
  return *a == *b;
}

inline bool starts_with(const char* s, const char* prefix) {
  while (*prefix != '\0') {
    if (*s++ != *prefix++) {
      return false;
    }
  }
  return true;
}

inline bool ends_with(const char* s, const char* suffix) {
  size_t a = str_len(s), b = str_len(suffix);
  return a >= b && str_eq(s + a - b, suffix);
}

// Copies at most cap-1 bytes and always NUL-terminates. Returns the length copied.
inline size_t str_copy(char* dst, const char* src, size_t cap) {
  size_t i = 0;
  for (; src[i] != '\0' && i + 1 < cap; ++i) {
    dst[i] = src[i];
  }
  if (cap > 0) {
    dst[i] = '\0';
  }
  return i;
}

// Compiles to memcpy (libc's in libckpt, the loader's own in the loader).
inline void mem_copy(void* dst, const void* src, size_t n) { __builtin_memcpy(dst, src, n); }

inline void mem_zero(void* dst, size_t n) {
  auto* d = static_cast<volatile char*>(dst);
  for (size_t i = 0; i < n; ++i) {
    d[i] = 0;
  }
}

// Parses a decimal or 0x-hex unsigned number; *end points past it.
inline uint64_t parse_u64(const char* s, const char** end, int base = 10) {
  uint64_t v = 0;
  for (;; ++s) {
    char c = *s;
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (base == 16 && c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else if (base == 16 && c >= 'A' && c <= 'F') {
      d = c - 'A' + 10;
    } else {
      break;
    }
    v = v * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
  }
  if (end != nullptr) {
    *end = s;
  }
  return v;
}

// Appends text to a fixed buffer; silently truncates. Formatting without allocation.
class Fmt {
 public:
  Fmt(char* buf, size_t cap) : buf_(buf), cap_(cap) { buf_[0] = '\0'; }
  Fmt& s(const char* str) {
    while (str != nullptr && *str != '\0') {
      c(*str++);
    }
    return *this;
  }
  Fmt& c(char ch) {
    if (len_ + 1 < cap_) {
      buf_[len_++] = ch;
      buf_[len_] = '\0';
    }
    return *this;
  }
  Fmt& u(uint64_t v) {
    char tmp[24];
    int n = 0;
    do {
      tmp[n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    while (n > 0) {
      c(tmp[--n]);
    }
    return *this;
  }
  Fmt& i(int64_t v) {
    if (v < 0) {
      c('-');
      return u(static_cast<uint64_t>(-(v + 1)) + 1);
    }
    return u(static_cast<uint64_t>(v));
  }
  Fmt& x(uint64_t v) {
    s("0x");
    char tmp[17];
    int n = 0;
    do {
      tmp[n++] = "0123456789abcdef"[v & 15];
      v >>= 4;
    } while (v != 0);
    while (n > 0) {
      c(tmp[--n]);
    }
    return *this;
  }
  Fmt& pad(size_t width, char ch = '0', uint64_t v = 0) {
    char tmp[24];
    size_t n = 0;
    do {
      tmp[n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    for (size_t k = n; k < width; ++k) {
      c(ch);
    }
    while (n > 0) {
      c(tmp[--n]);
    }
    return *this;
  }
  const char* str() const { return buf_; }
  size_t len() const { return len_; }

 private:
  char* buf_;
  size_t cap_;
  size_t len_ = 0;
};

}  // namespace ckpt::sys
