// libckpt/image/crc32c.h: CRC32C (Castagnoli), header-only so that the libc-free restart
// loader, libckpt's checkpoint path and the host tools share one definition.
// Checkpoint-path safe: no allocation, no locks, no libc calls.
// Chaining: crc32c(b, nb, crc32c(a, na)) == crc32c(a||b, na + nb); crc32c(p, 0) == 0.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace ckpt::image {

namespace crc_detail {

inline bool cpu_has_sse42() {
  uint32_t eax = 1, ebx, ecx, edx;
  __asm__ volatile("cpuid" : "+a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx));
  return (ecx >> 20) & 1u;
}

__attribute__((target("sse4.2"))) inline uint32_t hw(uint32_t crc, const uint8_t* p, size_t n) {
  uint64_t c = crc;
  while (n >= 8) {
    uint64_t v;
    __builtin_memcpy(&v, p, 8);
    c = __builtin_ia32_crc32di(c, v);
    p += 8;
    n -= 8;
  }
  uint32_t c32 = static_cast<uint32_t>(c);
  while (n-- > 0) {
    c32 = __builtin_ia32_crc32qi(c32, *p++);
  }
  return c32;
}

inline uint32_t sw(uint32_t crc, const uint8_t* p, size_t n) {
  while (n-- > 0) {
    crc ^= *p++;
    for (int k = 0; k < 8; ++k) {
      crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
    }
  }
  return crc;
}

}  // namespace crc_detail

inline uint32_t crc32c(const void* data, size_t len, uint32_t seed = 0) {
  static int have_hw = -1;  // benign race: every thread computes the same answer
  if (have_hw < 0) {
    have_hw = crc_detail::cpu_has_sse42() ? 1 : 0;
  }
  const auto* p = static_cast<const uint8_t*>(data);
  uint32_t crc = ~seed;
  crc = have_hw ? crc_detail::hw(crc, p, len) : crc_detail::sw(crc, p, len);
  return ~crc;
}

}  // namespace ckpt::image
