// launcher/coordinator_client.h: the command session of protocol.h, as used by
// `ckpt checkpoint/status/kill/interval/quit`: connect (with a timeout), send one kCommand,
// read one kReply.
#pragma once

#include <cstdint>
#include <string>

#include "ckpt/status.h"
#include "launcher/coord_address.h"

namespace ckpt::launcher {

inline constexpr double kConnectTimeoutS = 5.0;

// Connects to the coordinator with TCP_NODELAY set. Fails with kUnavailable and the message
// "no coordinator at H:P (<reason>)".
Result<int> connect_coordinator(const CoordAddress& addr, double timeout_s);

// True if something accepts connections at `addr`.
bool coordinator_answers(const CoordAddress& addr, double timeout_s);

struct CommandReply {
  int status = 0;    // 0 = ok
  std::string text;  // JSON
};

struct CommandRequest {
  uint32_t code = 0;   // proto::CommandCode
  uint32_t flags = 0;  // proto::CommandFlag
  int64_t arg = 0;
  double reply_timeout_s = 30;  // 0 = wait forever
};

// Sends one command (with CKPT_SECRET if set) and returns the coordinator's reply.
Result<CommandReply> send_command(const CoordAddress& addr, const CommandRequest& request);

}  // namespace ckpt::launcher
