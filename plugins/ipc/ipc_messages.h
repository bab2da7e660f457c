// plugins/ipc/ipc_messages.h: every user-facing text of the ipc plugin, in one place.
#pragma once

namespace ckpt::ipc::msg {

inline constexpr const char* kTimerRefused =
    "checkpoint refused: POSIX timer cannot be re-created at restart: timer ";
inline constexpr const char* kTimerThreadId =
    "SIGEV_THREAD_ID aimed at a thread other than the main thread is not supported";
inline constexpr const char* kTimerCpuClock =
    "a CPU-time clock of a given process or thread (clock_getcpuclockid) is not supported";
inline constexpr const char* kTimerTableFull =
    "too many POSIX timers: this one will not survive a restart: timer ";
inline constexpr const char* kTimerRecreateFailed = "could not re-create POSIX timer ";
inline constexpr const char* kTimerRearmFailed = "could not re-arm POSIX timer ";
inline constexpr const char* kItimerRearmFailed = "could not re-arm interval timer (which) ";

inline constexpr const char* kSysvRefused = "checkpoint refused: SysV object ";
inline constexpr const char* kPoolFull =
    "the saved semaphore values and queued messages exceed the plugin's 16 MiB pool";
inline constexpr const char* kTooManyObjects =
    "more than 1024 SysV objects in one process: the rest will not survive a restart";
inline constexpr const char* kMsgCopyFailed =
    "cannot read the queued messages (msgrcv MSG_COPY)";
inline constexpr const char* kTempAttachFailed =
    "cannot attach the unattached segment to save its contents";
inline constexpr const char* kRecreateFailed = "could not re-create SysV ";
inline constexpr const char* kNoNewId =
    "no new id published for SysV object (its leader did not re-create it): ";
inline constexpr const char* kReattachFailed = "could not re-attach SysV shm segment at ";
inline constexpr const char* kTooManyUndos =
    "more than 1024 SEM_UNDO adjustments in one process: the rest will not survive a restart";
inline constexpr const char* kUndoFailed =
    "could not restore the SEM_UNDO adjustment of semaphore ";
inline constexpr const char* kKeyTaken =
    "another object held the key; it was removed to re-create the checkpointed one: key ";

}  // namespace ckpt::ipc::msg
