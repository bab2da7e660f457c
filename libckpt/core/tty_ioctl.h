// libckpt/core/tty_ioctl.h: the terminal ioctls libckpt issues (x86_64 kernel ABI numbers),
// shared by fd_pty.cc (save/restore of ptys), shared_ptys.cc (ptys shared by processes)
// and pty_input.cc (unread input). Raw
// syscalls: checkpoint path yes.
#pragma once

#include "sys/syscall.h"

namespace ckpt::tty {

inline constexpr unsigned long kTcgets2 = 0x802c542aul;  // struct termios2 (44 bytes)
inline constexpr unsigned long kTcsets2 = 0x402c542bul;
inline constexpr unsigned long kTiocsti = 0x5412;
inline constexpr unsigned long kTiocgwinsz = 0x5413;
inline constexpr unsigned long kTiocswinsz = 0x5414;
inline constexpr unsigned long kTiocgptn = 0x80045430ul;
inline constexpr unsigned long kTiocsptlck = 0x40045431ul;
inline constexpr unsigned long kTiocgptlck = 0x80045439ul;
inline constexpr unsigned long kTiocgptpeer = 0x5441;

using sys::ioctl;

}  // namespace ckpt::tty
