// coordinator/str_cat.h: str_cat(a, b, ...) concatenates anything ostream can print. g++ 12 has
// no <format>; this keeps log and reply texts readable without a formatting library.
#pragma once

#include <sstream>
#include <string>

namespace ckpt::coord {

template <typename... Args>
std::string str_cat(const Args&... args) {
  std::ostringstream out;
  (out << ... << args);
  return out.str();
}

}  // namespace ckpt::coord
