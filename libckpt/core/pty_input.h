// libckpt/core/pty_input.h: bytes the master side of a pty wrote that no slave had read
// yet: they wait in the slave's input queue (the line discipline's buffer, already
// processed: erase characters applied, CR mapped...), which goes away with the pty.
// Saved: through a slave fd, with the terminal made non-canonical (VMIN 0, VTIME 0) for the
// moment of the read, so a partial line comes out too (the read also lets the kernel
// process what is still in its flip buffer); the settings are then put back.
// Put back (after the image when the job goes on, and at restart once the slave exists):
// each byte through TIOCSTI on a slave fd, which runs the line discipline at once, with
// echo, signals and flow control off for the moment, so the bytes are queued as they were
// (line ends included) and nothing is echoed a second time. Without the right to TIOCSTI
// (it needs CAP_SYS_ADMIN unless dev.tty.legacy_tiocsti is 1) the bytes are written to the
// master instead, and the settings put back after a short wait (20 ms): best effort.
// Kept per pty index, in one static arena (kInputBytes for all ptys; more is lost with a
// warning). Not kept: an end-of-file character (VEOF) waiting in the queue comes back as a
// NUL byte.
// Checkpoint path: yes (raw syscalls, static memory).
#pragma once

#include <stddef.h>

namespace ckpt {

void pty_inputs_reset();  // capture: before the first pty_input_save of a round
// Reads the input queue of slave fd `slave` (pty `index`); `termios` is its TCGETS2 state.
void pty_input_save(int index, int slave, const char* termios);
bool pty_input_pending(int index);
// Puts pty `index`'s saved bytes into the input queue of slave fd `slave` (master `master`), once.
void pty_input_put_back(int index, int slave, int master, const char* termios);

}  // namespace ckpt
