// launcher/coordinator_client.cc: see coordinator_client.h.
#include "launcher/coordinator_client.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "coordinator/protocol.h"
#include "launcher/messages.h"

namespace ckpt::launcher {

namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

// One non-blocking connect attempt bounded by `deadline`; returns the fd or -errno.
int connect_one(const addrinfo* ai, Clock::time_point deadline) {
  int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
  if (fd < 0) {
    return -errno;
  }
  int rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
  if (rc != 0 && errno == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    rc = poll(&p, 1, remaining_ms(deadline));
    if (rc == 0) {
      close(fd);
      return -ETIMEDOUT;
    }
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    rc = err == 0 ? 0 : -1;
    errno = err;
  }
  if (rc != 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

// Reads exactly `len` bytes; timeout_s <= 0 waits forever.
Status read_exact(int fd, void* buf, size_t len, double timeout_s, const CoordAddress& addr) {
  auto deadline = Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(timeout_s * 1000));
  auto* out = static_cast<char*>(buf);
  size_t done = 0;
  while (done < len) {
    pollfd p{fd, POLLIN, 0};
    int rc = poll(&p, 1, timeout_s > 0 ? remaining_ms(deadline) : -1);
    if (rc < 0 && errno == EINTR) {
      continue;
    }
    if (rc == 0) {
      return Status(Code::kTimeout, msg::reply_timeout(addr.str(), timeout_s));
    }
    ssize_t n = read(fd, out + done, len - done);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return Status(Code::kIo, msg::connection_lost(addr.str(), n < 0 ? errno : 0));
    }
    done += static_cast<size_t>(n);
  }
  return Status::ok();
}

Status send_all(int fd, const std::vector<char>& buf, const CoordAddress& addr) {
  size_t done = 0;
  while (done < buf.size()) {
    ssize_t n = send(fd, buf.data() + done, buf.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return Status(Code::kIo, msg::connection_lost(addr.str(), errno));
    }
    done += static_cast<size_t>(n);
  }
  return Status::ok();
}

}  // namespace

Result<int> connect_coordinator(const CoordAddress& addr, double timeout_s) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  std::string port = std::to_string(addr.port);
  int gai = getaddrinfo(addr.host.c_str(), port.c_str(), &hints, &list);
  if (gai != 0) {
    return Status(Code::kUnavailable, msg::no_coordinator(addr.str(), gai_strerror(gai)));
  }
  auto deadline = Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(timeout_s * 1000));
  int result = -ECONNREFUSED;
  for (addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
    result = connect_one(ai, deadline);
    if (result >= 0) {
      break;
    }
  }
  freeaddrinfo(list);
  if (result < 0) {
    std::string reason = result == -ETIMEDOUT ? "no answer within " +
                                                    std::to_string(static_cast<int>(timeout_s)) + " s"
                                              : std::string(std::strerror(-result));
    for (char& c : reason) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return Status(Code::kUnavailable, msg::no_coordinator(addr.str(), reason));
  }
  return result;
}

bool coordinator_answers(const CoordAddress& addr, double timeout_s) {
  Result<int> fd = connect_coordinator(addr, timeout_s);
  if (!fd.is_ok()) {
    return false;
  }
  close(fd.value());
  return true;
}

Result<CommandReply> send_command(const CoordAddress& addr, const CommandRequest& request) {
  CKPT_TRY_ASSIGN(int fd, connect_coordinator(addr, kConnectTimeoutS));
  proto::MsgHeader header{proto::kMagic, proto::kCommand, proto::kVersion,
                          sizeof(proto::Command), 0};
  proto::Command cmd{};
  cmd.code = request.code;
  cmd.flags = request.flags;
  cmd.arg = request.arg;
  if (const char* secret = std::getenv("CKPT_SECRET")) {
    std::strncpy(cmd.secret, secret, sizeof cmd.secret - 1);
  }
  std::vector<char> buf(sizeof header + sizeof cmd);
  std::memcpy(buf.data(), &header, sizeof header);
  std::memcpy(buf.data() + sizeof header, &cmd, sizeof cmd);
  Status s = send_all(fd, buf, addr);
  proto::MsgHeader reply_header{};
  if (s.is_ok()) {
    s = read_exact(fd, &reply_header, sizeof reply_header, request.reply_timeout_s, addr);
  }
  if (s.is_ok() && (reply_header.magic != proto::kMagic || reply_header.type != proto::kReply ||
                    reply_header.length < sizeof(proto::Reply) ||
                    reply_header.length > proto::kMaxPayload)) {
    s = Status(Code::kCorrupt, msg::bad_reply(addr.str()));
  }
  std::vector<char> payload(s.is_ok() ? reply_header.length : 0);
  if (s.is_ok()) {
    s = read_exact(fd, payload.data(), payload.size(), kConnectTimeoutS, addr);
  }
  close(fd);
  CKPT_TRY(s);
  proto::Reply reply{};
  std::memcpy(&reply, payload.data(), sizeof reply);
  size_t text_len = std::min<size_t>(reply.text_len, payload.size() - sizeof reply);
  return CommandReply{reply.status, std::string(payload.data() + sizeof reply, text_len)};
}

}  // namespace ckpt::launcher
