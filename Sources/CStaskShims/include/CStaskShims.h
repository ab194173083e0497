#ifndef CSTASKSHIMS_H
#define CSTASKSHIMS_H

// The few C declarations stask needs that Swift's Glibc module does not import: functions declared only
// under _GNU_SOURCE, <malloc.h>, and a thread start that takes a plain C function and a context.
// Each keeps the convention of the call it wraps (-1 and errno, or an error number as the result), and a
// facility the C library or kernel lacks reads as ENOSYS, so that callers keep their fallback paths.

#include <spawn.h>
#include <stddef.h>
#include <sys/types.h>

/// pipe2(2).
int stask_pipe2(int fds[2], int flags);

/// accept4(2) with SOCK_CLOEXEC: the accepted descriptor is never inherited by a child spawned meanwhile.
int stask_accept_cloexec(int listener);

/// pidfd_open(2) (Linux 5.3); -1 with ENOSYS where the kernel lacks it.
int stask_pidfd_open(pid_t pid, unsigned int flags);

/// openat2(2) with RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS (Linux 5.6): opens `path` relative to `directory`,
/// failing with EXDEV when resolving it would leave `directory` (a `..` too many, an absolute path or symbolic
/// link); -1 with ENOSYS where the kernel or headers lack it.
int stask_openat2_beneath(int directory, const char *path, int flags);

/// Whether the C library has posix_spawn_file_actions_addchdir_np (glibc 2.29).
int stask_spawn_has_addchdir(void);

/// posix_spawn_file_actions_addchdir_np; ENOSYS where the C library lacks it.
int stask_spawn_addchdir(posix_spawn_file_actions_t *actions, const char *path);

/// Whether the C library has posix_spawn_file_actions_addclosefrom_np (glibc 2.34).
int stask_spawn_has_addclosefrom(void);

/// posix_spawn_file_actions_addclosefrom_np; ENOSYS where the C library lacks it.
int stask_spawn_addclosefrom(posix_spawn_file_actions_t *actions, int lowest);

/// mallopt(M_MMAP_THRESHOLD, bytes) and mallopt(M_ARENA_MAX, arenas), both always tried; 1 when both were
/// taken, 0 when either was refused or the allocator has no such settings.
int stask_malloc_tune(int mmapThreshold, int arenaLimit);

/// malloc_trim(0): hands every whole free page of every arena back to the system; 0 elsewhere.
int stask_malloc_trim(void);

/// Starts a detached thread running body(context); 0 on success, else the pthread_create error code
/// (and body does not run).
int stask_thread_start(void (*body)(void *context), void *context);

#endif
