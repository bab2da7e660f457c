#include "coordinator/transport.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include "coordinator/protocol.h"

namespace ckpt::coord {

namespace {

constexpr uint64_t kListenerTag = 1;
constexpr uint64_t kWatchTagBit = 1ull << 63;  // watched fds: tag = bit | fd
constexpr size_t kReadChunk = 64 * 1024;

void set_nodelay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

std::string format_peer(const sockaddr_storage& ss) {
  char host[INET6_ADDRSTRLEN] = "?";
  int port = 0;
  if (ss.ss_family == AF_INET) {
    auto* sin = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &sin->sin_addr, host, sizeof host);
    port = ntohs(sin->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof host);
    port = ntohs(sin6->sin6_port);
  }
  return std::string(host) + ":" + std::to_string(port);
}

}  // namespace

Transport::Transport() { epoll_fd_ = epoll_create1(EPOLL_CLOEXEC); }

Transport::~Transport() {
  std::vector<ConnId> ids;
  for (auto& [id, c] : conns_) {
    ids.push_back(id);
  }
  for (ConnId id : ids) {
    destroy(id);
  }
  if (listen_fd_ >= 0) {
    ::close(listen_fd_);
  }
  if (epoll_fd_ >= 0) {
    ::close(epoll_fd_);
  }
}

Result<int> Transport::listen(const std::string& host, int port) {
  if (epoll_fd_ < 0) {
    return Status::from_errno(Code::kIo, "epoll_create1");
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  std::string service = std::to_string(port);
  int rc = getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &res);
  if (rc != 0) {
    return Status(Code::kInvalid, "resolving bind address " + host + ": " + gai_strerror(rc));
  }
  int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    freeaddrinfo(res);
    return Status::from_errno(Code::kIo, "socket");
  }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, res->ai_addr, res->ai_addrlen) != 0 || ::listen(fd, 4096) != 0) {
    Status st = Status::from_errno(Code::kUnavailable, "binding " + host + ":" + service);
    freeaddrinfo(res);
    ::close(fd);
    return st;
  }
  freeaddrinfo(res);
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  int bound = ss.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port)
                                       : ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kListenerTag;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
  listen_fd_ = fd;
  return bound;
}

Status Transport::watch_fd(int fd, std::function<void()> on_readable) {
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kWatchTagBit | static_cast<uint64_t>(fd);
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    return Status::from_errno(Code::kIo, "epoll_ctl(watch)");
  }
  watched_[fd] = std::move(on_readable);
  return Status::ok();
}

void Transport::unwatch_fd(int fd) {
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  watched_.erase(fd);
}

void Transport::accept_all() {
  for (;;) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    int fd =
        accept4(listen_fd_, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      return;  // EAGAIN, or a transient error (EMFILE...): retried on the next event
    }
    set_nodelay(fd);
    ConnId id = next_id_++;
    Connection& c = conns_[id];
    c.id = id;
    c.fd = fd;
    c.peer = format_peer(ss);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = id;
    epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
  }
}

std::string Transport::peer_address(ConnId conn) const {
  auto it = conns_.find(conn);
  return it == conns_.end() ? std::string() : it->second.peer;
}

bool Transport::send(ConnId conn, uint16_t type, std::string_view payload, std::string_view tail) {
  auto it = conns_.find(conn);
  if (it == conns_.end() || it->second.dead) {
    return false;
  }
  Connection& c = it->second;
  proto::MsgHeader h{};
  h.magic = proto::kMagic;
  h.type = type;
  h.version = proto::kVersion;
  h.length = static_cast<uint32_t>(payload.size() + tail.size());
  if (c.out_pos == c.out.size()) {
    c.out.clear();
    c.out_pos = 0;
  }
  c.out.append(reinterpret_cast<const char*>(&h), sizeof h);
  c.out.append(payload);
  c.out.append(tail);
  if (!c.writable_armed && !write_pending(c)) {
    mark_dead(conn);
    return false;
  }
  return true;
}

// Writes as much as the socket takes; arms EPOLLOUT for the rest. False on a hard error.
bool Transport::write_pending(Connection& c) {
  while (c.out_pos < c.out.size()) {
    ssize_t n = ::send(c.fd, c.out.data() + c.out_pos, c.out.size() - c.out_pos, MSG_NOSIGNAL);
    if (n > 0) {
      c.out_pos += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      arm_writable(c, true);
      return true;
    }
    return false;
  }
  c.out.clear();
  c.out_pos = 0;
  arm_writable(c, false);
  return true;
}

void Transport::arm_writable(Connection& c, bool on) {
  if (c.writable_armed == on) {
    return;
  }
  c.writable_armed = on;
  epoll_event ev{};
  ev.events = EPOLLIN | (on ? static_cast<uint32_t>(EPOLLOUT) : 0u);
  ev.data.u64 = c.id;
  epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd, &ev);
}

void Transport::close_after_flush(ConnId conn) {
  auto it = conns_.find(conn);
  if (it == conns_.end()) {
    return;
  }
  if (it->second.out_pos == it->second.out.size()) {
    destroy(conn);
    return;
  }
  it->second.want_close = true;
}

void Transport::close(ConnId conn) { destroy(conn); }

void Transport::destroy(ConnId id) {
  auto it = conns_.find(id);
  if (it == conns_.end()) {
    return;
  }
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, it->second.fd, nullptr);
  ::close(it->second.fd);
  conns_.erase(it);
}

void Transport::mark_dead(ConnId id) {
  auto it = conns_.find(id);
  if (it == conns_.end() || it->second.dead) {
    return;
  }
  it->second.dead = true;
  dead_.push_back(id);
}

// Reports dead connections to the handler; the handler may kill more, so loop.
void Transport::reap_dead() {
  while (!dead_.empty()) {
    std::vector<ConnId> batch;
    batch.swap(dead_);
    for (ConnId id : batch) {
      bool known = conns_.count(id) != 0;
      destroy(id);
      if (known && handler_ != nullptr) {
        handler_->on_disconnect(id);
      }
    }
  }
}

void Transport::on_readable(ConnId id) {
  auto it = conns_.find(id);
  if (it == conns_.end() || it->second.dead) {
    return;
  }
  Connection& c = it->second;
  char buf[kReadChunk];
  ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR && errno != EWOULDBLOCK)) {
    mark_dead(id);
    return;
  }
  if (n > 0) {
    c.in.append(buf, static_cast<size_t>(n));
    parse_messages(id);
  }
}

// Dispatches every complete message in the input buffer. The handler may close `id`.
void Transport::parse_messages(ConnId id) {
  size_t pos = 0;
  for (;;) {
    auto it = conns_.find(id);
    if (it == conns_.end() || it->second.dead) {
      return;
    }
    std::string& in = it->second.in;
    if (in.size() - pos < sizeof(proto::MsgHeader)) {
      in.erase(0, pos);
      return;
    }
    proto::MsgHeader h;
    memcpy(&h, in.data() + pos, sizeof h);
    if (h.magic != proto::kMagic || h.version != proto::kVersion || h.length > proto::kMaxPayload) {
      mark_dead(id);
      return;
    }
    if (in.size() - pos < sizeof h + h.length) {
      in.erase(0, pos);
      return;
    }
    std::string payload = in.substr(pos + sizeof h, h.length);
    pos += sizeof h + h.length;
    if (handler_ != nullptr) {
      handler_->on_message(id, h.type, payload);
    }
  }
}

void Transport::on_writable(ConnId id) {
  auto it = conns_.find(id);
  if (it == conns_.end() || it->second.dead) {
    return;
  }
  if (!write_pending(it->second)) {
    mark_dead(id);
    return;
  }
  if (it->second.want_close && it->second.out_pos == it->second.out.size()) {
    destroy(id);
  }
}

Status Transport::run_once(int timeout_ms) {
  epoll_event events[256];
  int n = epoll_wait(epoll_fd_, events, 256, timeout_ms);
  if (n < 0) {
    return errno == EINTR ? Status::ok() : Status::from_errno(Code::kIo, "epoll_wait");
  }
  for (int i = 0; i < n; ++i) {
    uint64_t tag = events[i].data.u64;
    if (tag == kListenerTag) {
      accept_all();
    } else if (tag & kWatchTagBit) {
      auto it = watched_.find(static_cast<int>(tag & ~kWatchTagBit));
      if (it != watched_.end()) {
        auto callback = it->second;  // the callback may unwatch itself
        callback();
      }
    } else {
      if (events[i].events & EPOLLOUT) {
        on_writable(tag);
      }
      if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        on_readable(tag);
      }
    }
    reap_dead();
  }
  reap_dead();
  return Status::ok();
}

void Transport::flush_all(int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    bool pending = false;
    for (auto& [id, c] : conns_) {
      if (!c.dead && c.out_pos < c.out.size()) {
        pending = write_pending(c) && c.out_pos < c.out.size() ? true : pending;
      }
    }
    if (!pending || std::chrono::steady_clock::now() >= deadline) {
      return;
    }
    usleep(1000);
  }
}

}  // namespace ckpt::coord
