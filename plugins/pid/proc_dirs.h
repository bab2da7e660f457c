/* plugins/pid/proc_dirs.h: listings of /proc and /proc/<pid>/task show the ids the
 * application knows. opendir (proc_paths.c) marks a DIR* opened on such a directory; the
 * readdir/readdir64 wrappers (proc_dirs.c) turn each numeric entry that is a real pid of the
 * table into its virtual pid, and leave out a real pid that is the virtual pid of another
 * process (it would be listed twice); closedir drops the mark. Entries are copied into a
 * per-thread dirent before they are changed (POSIX lets the next readdir overwrite it).
 * Not seen: fdopendir, scandir and glob (glibc calls its own readdir inside), getdents64.
 * Not checkpoint-path: application threads. */
#ifndef CKPT_PROC_DIRS_H
#define CKPT_PROC_DIRS_H

#include <dirent.h>

/* After opendir(path) returned d (path as the application gave it). */
void proc_dir_opened(DIR* d, const char* path);

#endif
