// tests/unit/image/crc32c_test.cc: CRC32C (libckpt/image/crc32c.h): the hardware path with
// its three interleaved streams against the bitwise reference, and crc32c_combine (used by
// the restart loader to join the checksums of pieces read by several threads).
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "libckpt/image/crc32c.h"

namespace ckpt {
namespace {

std::vector<uint8_t> pattern(size_t n, uint64_t seed) {
  std::vector<uint8_t> v(n);
  uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
  for (size_t i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    v[i] = static_cast<uint8_t>(x >> 24);
  }
  return v;
}

uint32_t reference(const uint8_t* p, size_t n, uint32_t seed = 0) {
  return ~image::crc_detail::sw(~seed, p, n);
}

TEST(Crc32cLanes, KnownValue) { EXPECT_EQ(image::crc32c("123456789", 9), 0xE3069283u); }

TEST(Crc32cLanes, InterleavedStreamsMatchReference) {
  constexpr size_t kBlock = 3 * image::crc_detail::kLane;
  std::vector<uint8_t> data = pattern(3 * kBlock + 4096 + 13, 1);
  for (size_t n : {size_t{0}, size_t{1}, size_t{7}, size_t{4096}, kBlock - 1, kBlock,
                   kBlock + 1, 2 * kBlock + 8, data.size()}) {
    EXPECT_EQ(image::crc32c(data.data(), n), reference(data.data(), n)) << "length " << n;
    EXPECT_EQ(image::crc32c(data.data() + 3, n - (n > 3 ? 3 : n), 0x1234u),
              reference(data.data() + 3, n - (n > 3 ? 3 : n), 0x1234u))
        << "seeded, length " << n;
  }
}

TEST(Crc32cLanes, CombineEqualsWhole) {
  std::vector<uint8_t> data = pattern(300000, 2);
  uint32_t whole = image::crc32c(data.data(), data.size());
  for (size_t cut : {size_t{0}, size_t{1}, size_t{4096}, size_t{98304}, size_t{299999},
                     data.size()}) {
    uint32_t a = image::crc32c(data.data(), cut);
    uint32_t b = image::crc32c(data.data() + cut, data.size() - cut);
    EXPECT_EQ(image::crc32c_combine(a, b, data.size() - cut), whole) << "cut at " << cut;
  }
  // Many pieces joined in order, as the loader does.
  uint32_t crc = 0;
  for (size_t off = 0; off < data.size(); off += 12345) {
    size_t n = data.size() - off < 12345 ? data.size() - off : 12345;
    crc = image::crc32c_combine(crc, image::crc32c(data.data() + off, n), n);
  }
  EXPECT_EQ(crc, whole);
  data[150000] ^= 1;
  EXPECT_NE(image::crc32c(data.data(), data.size()), whole);
}

}  // namespace
}  // namespace ckpt
