// tests/unit/coordinator/fake_member.h: test doubles that speak coordinator/protocol.h over
// loopback: FakeMember (a process of the computation) and CommandClient (the `ckpt` CLI),
// plus CoordinatorRunner, which runs run_coordinator() on a thread with port 0.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "coordinator/coordinator.h"
#include "coordinator/protocol.h"

namespace ckpt::coord::testing {

struct Msg {
  uint16_t type = 0;
  std::string payload;
};

class Connection {
 public:
  explicit Connection(int port);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bool ok() const { return fd_ >= 0; }
  bool send(uint16_t type, const std::string& payload);
  // Next message, or nullopt on timeout or EOF.
  std::optional<Msg> recv(int timeout_ms);
  // True if the peer closes within timeout_ms (messages before the EOF are skipped).
  bool closed_within(int timeout_ms);
  void close();

 private:
  int fd_ = -1;
  std::string in_;
};

template <typename T>
std::string bytes_of(const T& v) {
  return std::string(reinterpret_cast<const char*>(&v), sizeof v);
}

template <typename T>
T struct_of(const std::string& payload) {
  T v{};
  __builtin_memcpy(&v, payload.data(), payload.size() < sizeof v ? payload.size() : sizeof v);
  return v;
}

struct HelloArgs {
  int32_t pid = 0;
  std::string host = "testhost";
  std::string program = "/usr/bin/fake";
  std::string job_id;
  std::string ckpt_dir;
  std::string secret;
  bool restarted = false;
  uint64_t generation = 0;
  int32_t vpid = 0;
  uint32_t nprocs = 0;
};

class FakeMember {
 public:
  explicit FakeMember(int port) : conn_(port) {}
  // Sends Hello; returns the Welcome (nullopt if none came, e.g. rejected).
  std::optional<proto::Welcome> hello(const HelloArgs& args);
  bool barrier(const std::string& name);
  // Creates `<dir>/<image>` with `size` bytes and reports it with kWritten.
  bool write_image(const std::string& dir, const std::string& image, uint64_t size);
  // Waits for a message of `type`, skipping none: any other type is returned as failure.
  std::optional<Msg> expect(uint16_t type, int timeout_ms = 3000);
  bool expect_release(const std::string& name, int timeout_ms = 3000);
  Connection& conn() { return conn_; }
  int32_t vpid = 0;

 private:
  Connection conn_;
};

struct Reply {
  int32_t status = -1;
  std::string json;
};

class CommandClient {
 public:
  explicit CommandClient(int port) : conn_(port) {}
  bool send(uint32_t code, uint32_t flags = 0, int64_t arg = 0, const std::string& secret = "");
  std::optional<Reply> reply(int timeout_ms = 5000);

 private:
  Connection conn_;
};

// One-shot command: send and wait for the reply.
std::optional<Reply> run_command(int port, uint32_t code, uint32_t flags = 0, int64_t arg = 0,
                                 const std::string& secret = "");

class CoordinatorRunner {
 public:
  // Starts run_coordinator on a thread; fills in port_file/log_file under `scratch`.
  CoordinatorRunner(CoordinatorOptions opts, const std::string& scratch);
  ~CoordinatorRunner();  // sends quit if still running, then joins
  int port() const { return port_; }
  bool running() const { return port_ > 0; }
  // Waits for the coordinator thread to return; its exit code, or nullopt on timeout.
  std::optional<int> wait_exit(int timeout_ms);
  std::string log_text() const;

 private:
  std::thread thread_;
  CoordinatorOptions opts_;
  int port_ = 0;
  std::atomic_int exit_code_{-1};
  std::atomic_bool exited_{false};
};

// Temporary directory, removed with its contents on destruction.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace ckpt::coord::testing
