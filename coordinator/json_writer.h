// coordinator/json_writer.h: a minimal JSON writer for command replies (no JSON library is
// installed). Commas are inserted automatically; keys and strings are escaped.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ckpt::coord {

std::string json_escape(std::string_view text);  // without the surrounding quotes

class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view name);
  JsonWriter& str(std::string_view value);
  JsonWriter& num(int64_t value);
  JsonWriter& num_u(uint64_t value);
  JsonWriter& num_d(double value);
  JsonWriter& boolean(bool value);
  JsonWriter& null();
  const std::string& text() const { return out_; }

 private:
  void before_value();
  std::string out_;
  std::vector<bool> has_items_;  // per open container
  bool after_key_ = false;
};

// {"error":"<message>"}
std::string json_error(std::string_view message);

}  // namespace ckpt::coord
