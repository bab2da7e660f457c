// tests/cr/real/cxx_iostream.cc: a C++ program using exceptions (unwinding through the
// restored libgcc/libstdc++ state), iostreams with buffered output, std::map and strings
// before and after the checkpoint. Deterministic output (compared with a native run).
#include <iostream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "ct.h"

namespace {

struct Odd : std::runtime_error {
  explicit Odd(int v) : std::runtime_error("odd " + std::to_string(v)), value(v) {}
  int value;
};

int collatz_steps(long n) {
  int steps = 0;
  while (n != 1) {
    n = n % 2 ? 3 * n + 1 : n / 2;
    ++steps;
  }
  return steps;
}

void check_even(int v) {
  if (v % 2) {
    throw Odd(v);
  }
}

std::string round(std::map<int, int>& hist, int from, int to) {
  std::ostringstream line;
  int caught = 0;
  for (int i = from; i < to; ++i) {
    int s = collatz_steps(i);
    try {
      check_even(s);
      ++hist[s % 10];
    } catch (const Odd& e) {
      caught += e.value % 7 == 0;
      hist[-1] += 1;
    }
  }
  line << "round " << from << ".." << to << " caught=" << caught;
  return line.str();
}

}  // namespace

int main(int argc, char** argv) {
  ct_init(argc, argv);
  std::map<int, int> hist;
  std::vector<std::string> lines;
  for (int r = 0; r < 5; ++r) {
    lines.push_back(round(hist, 1 + r * 2000, 1 + (r + 1) * 2000));
    std::cout << lines.back() << '\n';
  }
  std::cout.flush();

  ct_checkpoint_point();

  try {
    for (int r = 5; r < 10; ++r) {
      lines.push_back(round(hist, 1 + r * 2000, 1 + (r + 1) * 2000));
      std::cout << lines.back() << '\n';
    }
    throw std::out_of_range("done");
  } catch (const std::exception& e) {
    std::cout << "finished: " << e.what() << " after " << lines.size() << " rounds\n";
  }
  for (const auto& [bucket, count] : hist) {
    std::cout << "bucket " << bucket << " " << count << '\n';
  }
  if (lines.size() != 10 || hist[-1] == 0) {
    std::cout << "FAIL: bad state" << std::endl;
    return 1;
  }
  std::cout.flush();
  ct_pass();
}
