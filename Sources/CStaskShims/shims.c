#define _GNU_SOURCE
#include "CStaskShims.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include(<linux/openat2.h>)
#include <linux/openat2.h>
#define STASK_HAS_OPENAT2_HEADER 1
#endif
#endif

// Weak references, declared here so that the shims also build against C library headers that lack them
// (glibc before 2.29 and 2.34): a C library without these functions leaves them null, and callers fall back.
extern int posix_spawn_file_actions_addchdir_np(
    posix_spawn_file_actions_t *__restrict actions, const char *__restrict path) __attribute__((weak));
extern int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *actions, int lowest)
    __attribute__((weak));

int stask_pipe2(int fds[2], int flags) { return pipe2(fds, flags); }

int stask_accept_cloexec(int listener) { return accept4(listener, NULL, NULL, SOCK_CLOEXEC); }

int stask_openat2_beneath(int directory, const char *path, int flags) {
#if defined(SYS_openat2) && defined(STASK_HAS_OPENAT2_HEADER)
    struct open_how how = {.flags = (unsigned long long)flags, .mode = 0,
                           .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS};
    return (int)syscall(SYS_openat2, directory, path, &how, sizeof how);
#else
    (void)directory;
    (void)path;
    (void)flags;
    errno = ENOSYS;
    return -1;
#endif
}

int stask_pidfd_open(pid_t pid, unsigned int flags) {
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, flags);
#else
    errno = ENOSYS;
    return -1;
#endif
}

int stask_spawn_has_addchdir(void) { return posix_spawn_file_actions_addchdir_np != NULL; }

int stask_spawn_addchdir(posix_spawn_file_actions_t *actions, const char *path) {
    if (posix_spawn_file_actions_addchdir_np == NULL) return ENOSYS;
    return posix_spawn_file_actions_addchdir_np(actions, path);
}

int stask_spawn_has_addclosefrom(void) { return posix_spawn_file_actions_addclosefrom_np != NULL; }

int stask_spawn_addclosefrom(posix_spawn_file_actions_t *actions, int lowest) {
    if (posix_spawn_file_actions_addclosefrom_np == NULL) return ENOSYS;
    return posix_spawn_file_actions_addclosefrom_np(actions, lowest);
}

int stask_malloc_tune(int mmapThreshold, int arenaLimit) {
#ifdef __GLIBC__
    int threshold = mallopt(M_MMAP_THRESHOLD, mmapThreshold);
    int arenas = mallopt(M_ARENA_MAX, arenaLimit);
    return threshold && arenas;
#else
    return 0;
#endif
}

int stask_malloc_trim(void) {
#ifdef __GLIBC__
    return malloc_trim(0);
#else
    return 0;
#endif
}

struct stask_thread_job {
    void (*body)(void *);
    void *context;
};

static void *stask_thread_main(void *argument) {
    struct stask_thread_job job = *(struct stask_thread_job *)argument;
    free(argument);
    job.body(job.context);
    return NULL;
}

int stask_thread_start(void (*body)(void *context), void *context) {
    struct stask_thread_job *job = malloc(sizeof *job);
    if (job == NULL) return ENOMEM;
    job->body = body;
    job->context = context;
    pthread_t thread;
    int status = pthread_create(&thread, NULL, stask_thread_main, job);
    if (status != 0) {
        free(job);
        return status;
    }
    pthread_detach(thread);
    return 0;
}
