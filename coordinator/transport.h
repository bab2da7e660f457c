// coordinator/transport.h: the coordinator's event loop. One thread, epoll, non-blocking TCP
// sockets with TCP_NODELAY. Incoming bytes are framed into protocol.h messages; every outgoing
// message is built in one buffer and sent with one send(2), the unsent tail kept per connection
// and flushed on EPOLLOUT. Peer closes and I/O errors are reported to the handler from
// run_once() only (never from inside send()), so handlers may broadcast freely.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ckpt/status.h"

namespace ckpt::coord {

using ConnId = uint64_t;

class TransportHandler {
 public:
  virtual ~TransportHandler() = default;
  virtual void on_message(ConnId conn, uint16_t type, std::string_view payload) = 0;
  // The peer closed, an I/O error happened, or the peer broke the framing.
  virtual void on_disconnect(ConnId conn) = 0;
};

class Transport {
 public:
  Transport();
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // Binds and listens; returns the bound port (useful with port 0).
  Result<int> listen(const std::string& host, int port);
  void set_handler(TransportHandler* handler) { handler_ = handler; }
  // Calls `on_readable` whenever `fd` (a timerfd, say) is readable. The fd stays owned by
  // the caller and must outlive the Transport or be unwatched.
  Status watch_fd(int fd, std::function<void()> on_readable);
  void unwatch_fd(int fd);

  // Queues header + payload (+ tail) as one message. Returns false if the connection is gone.
  bool send(ConnId conn, uint16_t type, std::string_view payload, std::string_view tail = {});
  // Closes once everything queued has been written (command replies).
  void close_after_flush(ConnId conn);
  // Closes now, without calling on_disconnect.
  void close(ConnId conn);
  bool is_open(ConnId conn) const { return conns_.count(conn) != 0; }
  std::string peer_address(ConnId conn) const;

  // Waits up to timeout_ms (-1 = forever) and dispatches what happened.
  Status run_once(int timeout_ms);
  // Best effort: writes pending output for up to timeout_ms (used right before exiting).
  void flush_all(int timeout_ms);

 private:
  struct Connection {
    ConnId id = 0;
    int fd = -1;
    std::string in;
    std::string out;
    size_t out_pos = 0;
    bool want_close = false;
    bool dead = false;
    bool writable_armed = false;
    std::string peer;
  };

  void accept_all();
  void on_readable(ConnId id);
  void on_writable(ConnId id);
  void parse_messages(ConnId id);
  bool write_pending(Connection& c);
  void arm_writable(Connection& c, bool on);
  void mark_dead(ConnId id);
  void reap_dead();
  void destroy(ConnId id);

  int epoll_fd_ = -1;
  int listen_fd_ = -1;
  TransportHandler* handler_ = nullptr;
  ConnId next_id_ = 16;  // ids below 16 are reserved for the listener
  std::unordered_map<ConnId, Connection> conns_;
  std::unordered_map<int, std::function<void()>> watched_;  // key: fd
  std::vector<ConnId> dead_;
};

}  // namespace ckpt::coord
