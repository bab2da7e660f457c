// libckpt/include/ckpt/status.h: Status and Result<T>, the error values used across ckpt
// (STYLE.md section 4, tier 2). Allocates (std::string): use it in the launcher, the
// coordinator and in libckpt code that runs before threads are suspended, never in the
// checkpoint path.
#pragma once

#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <utility>

namespace ckpt {

enum class Code { kOk = 0, kInvalid, kNotFound, kIo, kCorrupt, kUnsupported, kTimeout, kDenied,
                  kUnavailable, kInternal };

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message, int saved_errno = 0)
      : code_(code), message_(std::move(message)), errno_(saved_errno) {}

  static Status ok() { return {}; }
  // An error from a failed system call: captures errno now and appends strerror.
  static Status from_errno(Code code, const std::string& what) {
    int e = errno;
    return {code, what + ": " + std::strerror(e), e};
  }

  bool is_ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  int saved_errno() const { return errno_; }
  const std::string& message() const { return message_; }

  // Adds context on the way up: "restoring fd 7: open /x: No such file or directory".
  Status with_context(const std::string& context) const {
    if (is_ok()) {
      return *this;
    }
    return {code_, context + ": " + message_, errno_};
  }

 private:
  Code code_ = Code::kOk;
  std::string message_;
  int errno_ = 0;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}  // NOLINT: implicit by design

  bool is_ok() const { return status_.is_ok(); }
  const Status& status() const { return status_; }
  T& value() { return *value_; }
  const T& value() const { return *value_; }
  T&& take() { return std::move(*value_); }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace ckpt

#define CKPT_STATUS_CONCAT_(a, b) a##b
#define CKPT_STATUS_CONCAT(a, b) CKPT_STATUS_CONCAT_(a, b)

// Returns the Status of `expr` from the enclosing function if it is an error.
#define CKPT_TRY(expr)                          \
  do {                                          \
    ::ckpt::Status ckpt_try_status_ = (expr);   \
    if (!ckpt_try_status_.is_ok()) {            \
      return ckpt_try_status_;                  \
    }                                           \
  } while (0)

// Declares `decl` from a Result<T> expression, or returns its error Status.
#define CKPT_TRY_ASSIGN(decl, expr)                                        \
  auto CKPT_STATUS_CONCAT(ckpt_try_result_, __LINE__) = (expr);            \
  if (!CKPT_STATUS_CONCAT(ckpt_try_result_, __LINE__).is_ok()) {           \
    return CKPT_STATUS_CONCAT(ckpt_try_result_, __LINE__).status();        \
  }                                                                        \
  decl = CKPT_STATUS_CONCAT(ckpt_try_result_, __LINE__).take()
