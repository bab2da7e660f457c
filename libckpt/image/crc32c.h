// libckpt/image/crc32c.h: CRC32C (Castagnoli), header-only so that the libc-free restart
// loader, libckpt's checkpoint path and the host tools share one definition.
// Checkpoint-path safe: no allocation, no locks, no libc calls.
// Chaining: crc32c(b, nb, crc32c(a, na)) == crc32c(a||b, na + nb); crc32c(p, 0) == 0.
// Combining pieces checksummed separately (e.g. by several threads):
// crc32c_combine(crc32c(a, na), crc32c(b, nb), nb) == crc32c(a||b, na + nb).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace ckpt::image {

namespace crc_detail {

constexpr uint32_t kPolyReflected = 0x82F63B78u;
constexpr uint32_t kOne = 0x80000000u;  // the polynomial 1 (x^0), bit-reflected

// a(x) * b(x) mod P(x), both bit-reflected (bit 31 is x^0). Polynomial arithmetic over
// GF(2): shifting the CRC register by n zero bytes multiplies it by x^(8n).
constexpr uint32_t mul_mod(uint32_t a, uint32_t b) {
  uint32_t product = 0;
  for (int bit = 31; bit >= 0; --bit) {
    if ((a >> bit) & 1u) product ^= b;
    b = (b & 1u) ? (b >> 1) ^ kPolyReflected : b >> 1;  // b *= x
  }
  return product;
}

// x^(8 * nbytes) mod P(x), by repeated squaring.
constexpr uint32_t x_pow_bytes(uint64_t nbytes) {
  uint32_t result = kOne;
  uint32_t power = kOne >> 8;  // x^8
  for (; nbytes != 0; nbytes >>= 1) {
    if (nbytes & 1u) result = mul_mod(power, result);
    power = mul_mod(power, power);
  }
  return result;
}

// Three independent streams hide the latency of the crc32 instruction (3 cycles, one per
// cycle issued): blocks of 3 * kLane bytes, the streams joined by shifting.
constexpr size_t kLane = 32768;
constexpr uint32_t kShiftLane = x_pow_bytes(kLane);
constexpr uint32_t kShift2Lanes = x_pow_bytes(2 * kLane);

__attribute__((target("sse4.2"))) inline uint64_t hw_lanes(uint64_t c, const uint8_t* p) {
  uint64_t c1 = 0, c2 = 0;
  for (size_t i = 0; i < kLane; i += 8) {
    uint64_t v0, v1, v2;
    __builtin_memcpy(&v0, p + i, 8);
    __builtin_memcpy(&v1, p + kLane + i, 8);
    __builtin_memcpy(&v2, p + 2 * kLane + i, 8);
    c = __builtin_ia32_crc32di(c, v0);
    c1 = __builtin_ia32_crc32di(c1, v1);
    c2 = __builtin_ia32_crc32di(c2, v2);
  }
  return mul_mod(kShift2Lanes, static_cast<uint32_t>(c)) ^
         mul_mod(kShiftLane, static_cast<uint32_t>(c1)) ^ static_cast<uint32_t>(c2);
}

inline bool cpu_has_sse42() {
  uint32_t eax = 1, ebx, ecx, edx;
  __asm__ volatile("cpuid" : "+a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx));
  return (ecx >> 20) & 1u;
}

__attribute__((target("sse4.2"))) inline uint32_t hw(uint32_t crc, const uint8_t* p, size_t n) {
  uint64_t c = crc;
  for (; n >= 3 * kLane; p += 3 * kLane, n -= 3 * kLane) c = hw_lanes(c, p);
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

// The CRC of a||b from crc_a = crc32c(a), crc_b = crc32c(b) and b's length.
constexpr uint32_t crc32c_combine(uint32_t crc_a, uint32_t crc_b, uint64_t len_b) {
  return crc_detail::mul_mod(crc_detail::x_pow_bytes(len_b), crc_a) ^ crc_b;
}

}  // namespace ckpt::image
