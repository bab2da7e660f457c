// coordinator/wire_codec.h: turning protocol.h payloads into structs and back. Payloads
// shorter than the struct are zero-extended, longer ones truncated (room for compatible
// growth); fixed char arrays are read up to their first NUL and never overrun.
#pragma once

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>

namespace ckpt::coord {

template <typename T>
T decode_payload(std::string_view payload) {
  T value{};
  std::memcpy(&value, payload.data(), std::min(payload.size(), sizeof(T)));
  return value;
}

template <typename T>
std::string_view as_bytes(const T& value) {
  return {reinterpret_cast<const char*>(&value), sizeof(T)};
}

template <size_t N>
std::string fixed_string(const char (&field)[N]) {
  return std::string(field, strnlen(field, N));
}

// Copies `text` into a fixed field, truncating, always NUL-terminated.
template <size_t N>
void set_fixed(char (&field)[N], std::string_view text) {
  size_t n = std::min(text.size(), N - 1);
  std::memcpy(field, text.data(), n);
  std::memset(field + n, 0, N - n);
}

}  // namespace ckpt::coord
