#include "fake_member.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace ckpt::coord::testing {

namespace {

template <size_t N>
void put(char (&field)[N], const std::string& s) {
  std::memset(field, 0, N);
  std::memcpy(field, s.data(), std::min(s.size(), N - 1));
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Connection::Connection(int port) {
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(static_cast<uint16_t>(port));
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&sin), sizeof sin) != 0) {
    ::close(fd_);
    fd_ = -1;
    return;
  }
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

Connection::~Connection() { close(); }

void Connection::close() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

bool Connection::send(uint16_t type, const std::string& payload) {
  proto::MsgHeader h{proto::kMagic, type, proto::kVersion, static_cast<uint32_t>(payload.size()),
                     0};
  std::string buf = bytes_of(h) + payload;
  return fd_ >= 0 &&
         ::send(fd_, buf.data(), buf.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(buf.size());
}

std::optional<Msg> Connection::recv(int timeout_ms) {
  int64_t deadline = now_ms() + timeout_ms;
  for (;;) {
    if (in_.size() >= sizeof(proto::MsgHeader)) {
      auto h = struct_of<proto::MsgHeader>(in_);
      if (in_.size() >= sizeof h + h.length) {
        Msg m{h.type, in_.substr(sizeof h, h.length)};
        in_.erase(0, sizeof h + h.length);
        return m;
      }
    }
    int left = static_cast<int>(deadline - now_ms());
    if (fd_ < 0 || left <= 0) {
      return std::nullopt;
    }
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, left) <= 0) {
      return std::nullopt;
    }
    char buf[65536];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      return std::nullopt;
    }
    in_.append(buf, static_cast<size_t>(n));
  }
}

bool Connection::closed_within(int timeout_ms) {
  int64_t deadline = now_ms() + timeout_ms;
  while (fd_ >= 0) {
    int left = static_cast<int>(deadline - now_ms());
    pollfd p{fd_, POLLIN, 0};
    if (left <= 0 || poll(&p, 1, left) <= 0) {
      return false;
    }
    char buf[4096];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      return true;
    }
  }
  return true;
}

std::optional<proto::Welcome> FakeMember::hello(const HelloArgs& a) {
  proto::Hello h{};
  h.pid = a.pid != 0 ? a.pid : 1000 + static_cast<int32_t>(now_ms() % 1000);
  h.ppid = 1;
  h.uid = static_cast<int32_t>(getuid());
  h.flags = a.restarted ? static_cast<uint32_t>(proto::kHelloRestarted) : 0u;
  h.generation = a.generation;
  h.vpid = a.vpid;
  h.nprocs = a.nprocs;
  h.mpi_rank = -1;
  put(h.host, a.host);
  put(h.program, a.program);
  put(h.job_id, a.job_id);
  put(h.ckpt_dir, a.ckpt_dir);
  put(h.secret, a.secret);
  if (!conn_.send(proto::kHello, bytes_of(h))) {
    return std::nullopt;
  }
  auto m = conn_.recv(3000);
  if (!m || m->type != proto::kWelcome) {
    return std::nullopt;
  }
  auto w = struct_of<proto::Welcome>(m->payload);
  vpid = w.vpid;
  return w;
}

bool FakeMember::barrier(const std::string& name) {
  proto::Barrier b{};
  put(b.name, name);
  return conn_.send(proto::kBarrier, bytes_of(b));
}

bool FakeMember::write_image(const std::string& dir, const std::string& image, uint64_t size) {
  {
    std::ofstream f(dir + "/" + image, std::ios::binary);
    std::string data(size, 'x');
    f.write(data.data(), static_cast<std::streamsize>(data.size()));
  }
  proto::Written w{};
  put(w.image_name, image);
  w.size = size;
  w.checksum = 0xabcd0000u + static_cast<uint32_t>(vpid);
  w.nthreads = 2;
  put(w.plugins, "pid,file");
  return conn_.send(proto::kWritten, bytes_of(w));
}

std::optional<Msg> FakeMember::expect(uint16_t type, int timeout_ms) {
  auto m = conn_.recv(timeout_ms);
  if (!m || m->type != type) {
    return std::nullopt;
  }
  return m;
}

bool FakeMember::expect_release(const std::string& name, int timeout_ms) {
  auto m = expect(proto::kRelease, timeout_ms);
  return m && std::string(struct_of<proto::Barrier>(m->payload).name) == name;
}

bool CommandClient::send(uint32_t code, uint32_t flags, int64_t arg, const std::string& secret) {
  proto::Command c{};
  c.code = code;
  c.flags = flags;
  c.arg = arg;
  put(c.secret, secret);
  return conn_.send(proto::kCommand, bytes_of(c));
}

std::optional<Reply> CommandClient::reply(int timeout_ms) {
  auto m = conn_.recv(timeout_ms);
  if (!m || m->type != proto::kReply) {
    return std::nullopt;
  }
  auto r = struct_of<proto::Reply>(m->payload);
  return Reply{r.status, m->payload.substr(sizeof r, r.text_len)};
}

std::optional<Reply> run_command(int port, uint32_t code, uint32_t flags, int64_t arg,
                                 const std::string& secret) {
  CommandClient c(port);
  if (!c.send(code, flags, arg, secret)) {
    return std::nullopt;
  }
  return c.reply();
}

CoordinatorRunner::CoordinatorRunner(CoordinatorOptions opts, const std::string& scratch)
    : opts_(std::move(opts)) {
  opts_.port = 0;
  opts_.bind_host = "127.0.0.1";
  opts_.port_file = scratch + "/port";
  if (opts_.log_file.empty()) {
    opts_.log_file = scratch + "/coordinator.log";
  }
  thread_ = std::thread([this] {
    exit_code_ = run_coordinator(opts_);
    exited_ = true;
  });
  for (int i = 0; i < 500 && !exited_; ++i) {
    std::ifstream f(opts_.port_file);
    int port = 0;
    if (f >> port && port > 0) {
      port_ = port;
      return;
    }
    usleep(10000);
  }
}

CoordinatorRunner::~CoordinatorRunner() {
  if (!exited_ && port_ > 0) {
    run_command(port_, proto::kCmdQuit, 0, 0, opts_.secret);
  }
  if (thread_.joinable()) {
    thread_.join();
  }
}

std::optional<int> CoordinatorRunner::wait_exit(int timeout_ms) {
  int64_t deadline = now_ms() + timeout_ms;
  while (!exited_ && now_ms() < deadline) {
    usleep(5000);
  }
  if (!exited_) {
    return std::nullopt;
  }
  thread_.join();
  return exit_code_.load();
}

std::string CoordinatorRunner::log_text() const {
  std::ifstream f(opts_.log_file);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

ScratchDir::ScratchDir() {
  char tmpl[] = "/tmp/ckpt-coord-test.XXXXXX";
  path_ = mkdtemp(tmpl);
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  if (getenv("CKPT_TEST_KEEP") == nullptr) {
    std::filesystem::remove_all(path_, ec);
  }
}

}  // namespace ckpt::coord::testing
