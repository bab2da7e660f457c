// launcher/json_value.cc: see json_value.h. A recursive-descent parser (RFC 8259 subset:
// \uXXXX escapes outside the BMP are kept as two code points).
#include "launcher/json_value.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace ckpt::launcher {

class JsonParser {
 public:
  explicit JsonParser(const std::string& text) : s_(text) {}

  Result<JsonValue> parse_document() {
    JsonValue v;
    if (!parse_value(v, 0)) {
      return error();
    }
    skip_ws();
    if (pos_ != s_.size()) {
      return error();
    }
    return v;
  }

 private:
  Status error() const {
    return Status(Code::kCorrupt, "malformed JSON at offset " + std::to_string(pos_));
  }
  void skip_ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\t' ||
                                s_[pos_] == '\r')) {
      ++pos_;
    }
  }
  bool literal(const char* word) {
    size_t n = std::char_traits<char>::length(word);
    if (s_.compare(pos_, n, word) != 0) {
      return false;
    }
    pos_ += n;
    return true;
  }

  bool parse_value(JsonValue& v, int depth) {
    skip_ws();
    if (pos_ >= s_.size() || depth > 64) {
      return false;
    }
    char c = s_[pos_];
    if (c == '{') {
      return parse_object(v, depth);
    }
    if (c == '[') {
      return parse_array(v, depth);
    }
    if (c == '"') {
      v.type_ = JsonValue::Type::kString;
      return parse_string(v.string_);
    }
    if (literal("true") || literal("false")) {
      v.type_ = JsonValue::Type::kBool;
      v.bool_ = s_[pos_ - 1] == 'e' && s_[pos_ - 2] == 'u';
      return true;
    }
    if (literal("null")) {
      return true;
    }
    return parse_number(v);
  }

  bool parse_number(JsonValue& v) {
    const char* begin = s_.c_str() + pos_;
    char* end = nullptr;
    double d = std::strtod(begin, &end);
    if (end == begin) {
      return false;
    }
    pos_ += static_cast<size_t>(end - begin);
    v.type_ = JsonValue::Type::kNumber;
    v.number_ = d;
    return true;
  }

  static void append_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  bool parse_escape(std::string& out) {
    char e = s_[pos_++];
    switch (e) {
      case 'n': out += '\n'; return true;
      case 't': out += '\t'; return true;
      case 'r': out += '\r'; return true;
      case 'b': out += '\b'; return true;
      case 'f': out += '\f'; return true;
      case 'u': {
        if (pos_ + 4 > s_.size()) {
          return false;
        }
        unsigned cp = static_cast<unsigned>(std::strtoul(s_.substr(pos_, 4).c_str(), nullptr, 16));
        pos_ += 4;
        append_utf8(out, cp);
        return true;
      }
      default: out += e; return true;
    }
  }

  bool parse_string(std::string& out) {
    ++pos_;  // opening quote
    while (pos_ < s_.size()) {
      char c = s_[pos_++];
      if (c == '"') {
        return true;
      }
      if (c == '\\') {
        if (pos_ >= s_.size() || !parse_escape(out)) {
          return false;
        }
      } else {
        out += c;
      }
    }
    return false;
  }

  bool parse_array(JsonValue& v, int depth) {
    v.type_ = JsonValue::Type::kArray;
    ++pos_;
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == ']') {
      ++pos_;
      return true;
    }
    while (true) {
      JsonValue item;
      if (!parse_value(item, depth + 1)) {
        return false;
      }
      v.array_.push_back(std::move(item));
      skip_ws();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      return pos_ < s_.size() && s_[pos_++] == ']';
    }
  }

  bool parse_object(JsonValue& v, int depth) {
    v.type_ = JsonValue::Type::kObject;
    ++pos_;
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == '}') {
      ++pos_;
      return true;
    }
    while (true) {
      skip_ws();
      std::string key;
      if (pos_ >= s_.size() || s_[pos_] != '"' || !parse_string(key)) {
        return false;
      }
      skip_ws();
      if (pos_ >= s_.size() || s_[pos_++] != ':') {
        return false;
      }
      JsonValue item;
      if (!parse_value(item, depth + 1)) {
        return false;
      }
      v.object_[key] = std::move(item);
      skip_ws();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      return pos_ < s_.size() && s_[pos_++] == '}';
    }
  }

  const std::string& s_;
  size_t pos_ = 0;
};

Result<JsonValue> JsonValue::parse(const std::string& text) {
  return JsonParser(text).parse_document();
}

const JsonValue& JsonValue::operator[](const std::string& key) const {
  static const JsonValue kNullValue;
  auto it = object_.find(key);
  return it == object_.end() ? kNullValue : it->second;
}

std::string JsonValue::to_display() const {
  switch (type_) {
    case Type::kNull: return "-";
    case Type::kBool: return bool_ ? "true" : "false";
    case Type::kString: return string_;
    case Type::kNumber: {
      char buf[64];
      if (std::floor(number_) == number_ && std::fabs(number_) < 1e15) {
        std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(number_));
      } else {
        std::snprintf(buf, sizeof buf, "%.3f", number_);
      }
      return buf;
    }
    default: return type_ == Type::kArray ? "[...]" : "{...}";
  }
}

}  // namespace ckpt::launcher
