// coordinator/kv_store.h: the key-value store plugins use through the coordinator (name
// service, drain counters). Values are bytes; the atomic ops read and store int64 values
// (8 bytes, host order). Keys live as long as the coordinator.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

#include "ckpt/status.h"

namespace ckpt::coord {

class KvStore {
 public:
  // kKvSet stores `value`; kKvMin/Max/Add/Or combine it (8 bytes) with the stored int64
  // (a missing key counts as the operand itself for min/max, and as 0 for add/or).
  // Returns the value stored after the op.
  Result<std::string> put(uint32_t op, const std::string& key, const std::string& value);
  std::optional<std::string> get(const std::string& key) const;
  size_t size() const { return values_.size(); }

 private:
  std::unordered_map<std::string, std::string> values_;
};

}  // namespace ckpt::coord
