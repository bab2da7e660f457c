#include "coordinator/kv_store.h"

#include <algorithm>
#include <cstring>

#include "coordinator/protocol.h"

namespace ckpt::coord {

namespace {

int64_t to_int64(const std::string& bytes) {
  int64_t v = 0;
  std::memcpy(&v, bytes.data(), std::min(bytes.size(), sizeof v));
  return v;
}

std::string from_int64(int64_t v) {
  return std::string(reinterpret_cast<const char*>(&v), sizeof v);
}

}  // namespace

Result<std::string> KvStore::put(uint32_t op, const std::string& key, const std::string& value) {
  if (op == proto::kKvSet) {
    values_[key] = value;
    return value;
  }
  if (op > proto::kKvOr) {
    return Status(Code::kInvalid, "unknown key-value op " + std::to_string(op));
  }
  if (value.size() != sizeof(int64_t)) {
    return Status(Code::kInvalid, "atomic key-value op on '" + key + "' needs an 8-byte value");
  }
  int64_t operand = to_int64(value);
  auto it = values_.find(key);
  bool found = it != values_.end();
  int64_t current = found ? to_int64(it->second) : 0;
  int64_t result = operand;
  switch (op) {
    case proto::kKvMin:
      result = found ? std::min(current, operand) : operand;
      break;
    case proto::kKvMax:
      result = found ? std::max(current, operand) : operand;
      break;
    case proto::kKvAdd:
      result =
          static_cast<int64_t>(static_cast<uint64_t>(current) + static_cast<uint64_t>(operand));
      break;
    case proto::kKvOr:
      result = current | operand;
      break;
    default:
      break;
  }
  values_[key] = from_int64(result);
  return values_[key];
}

std::optional<std::string> KvStore::get(const std::string& key) const {
  auto it = values_.find(key);
  if (it == values_.end()) {
    return std::nullopt;
  }
  return it->second;
}

}  // namespace ckpt::coord
