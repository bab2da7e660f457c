// launcher/json_value.h: a small JSON reader for coordinator replies (status, checkpoint
// results). Parses the whole text into a tree; lookups on missing keys return a null value.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ckpt/status.h"

namespace ckpt::launcher {

class JsonValue {
 public:
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };

  static Result<JsonValue> parse(const std::string& text);

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }
  bool is_object() const { return type_ == Type::kObject; }
  bool is_array() const { return type_ == Type::kArray; }
  bool has(const std::string& key) const { return object_.count(key) != 0; }

  // Typed accessors with a fallback for missing or mistyped values.
  double number(double fallback = 0) const { return type_ == Type::kNumber ? number_ : fallback; }
  long long integer(long long fallback = 0) const {
    return type_ == Type::kNumber ? static_cast<long long>(number_) : fallback;
  }
  bool boolean(bool fallback = false) const { return type_ == Type::kBool ? bool_ : fallback; }
  std::string string(const std::string& fallback = "") const {
    return type_ == Type::kString ? string_ : fallback;
  }
  const std::vector<JsonValue>& items() const { return array_; }
  const JsonValue& operator[](const std::string& key) const;
  // Renders a scalar for display (numbers without a trailing .0, strings unquoted).
  std::string to_display() const;

 private:
  friend class JsonParser;
  Type type_ = Type::kNull;
  bool bool_ = false;
  double number_ = 0;
  std::string string_;
  std::vector<JsonValue> array_;
  std::map<std::string, JsonValue> object_;
};

}  // namespace ckpt::launcher
