// spawnstat: runs one command and reports its wall time, peak RSS and bytes read.
//
//   spawnstat RESULT_FILE COMMAND [ARG...]
//
// The command inherits stdin, stdout, stderr and the process group. When it has exited, one line
// "wall_ns max_rss_kb rchar status" goes to RESULT_FILE, and spawnstat exits with the command's
// status (128 + signal when it was killed).
//
// Why a helper: Linux records, at exec, the peak RSS of the memory the exec'ing process had, and
// a child spawned from the Python driver (fork or vfork alike) would carry the driver's ~20 MB into
// its ru_maxrss. A child forked from this small process carries about 1 MB. The clock runs from
// just before the spawn to the moment the command has exited; rchar is read from /proc/PID/io
// while the command is an unreaped zombie, so it covers the command and every process it reaped.
#define _GNU_SOURCE
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static long long rchar_of(pid_t pid) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/io", (int)pid);
    FILE *file = fopen(path, "r");
    if (file == NULL) return -1;
    char line[128];
    long long value = -1;
    while (fgets(line, sizeof line, file) != NULL) {
        if (sscanf(line, "rchar: %lld", &value) == 1) break;
    }
    fclose(file);
    return value;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: spawnstat RESULT_FILE COMMAND [ARG...]\n");
        return 2;
    }
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    pid_t pid;
    int error = posix_spawnp(&pid, argv[2], NULL, NULL, &argv[2], environ);
    if (error != 0) {
        fprintf(stderr, "spawnstat: cannot run %s: %s\n", argv[2], strerror(error));
        return 127;
    }
    siginfo_t info;
    while (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT) != 0) {
        if (errno != EINTR) return 125;
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    long long rchar = rchar_of(pid);
    int status = 0;
    struct rusage usage;
    while (wait4(pid, &status, 0, &usage) < 0) {
        if (errno != EINTR) return 125;
    }
    long long wall = (long long)(end.tv_sec - start.tv_sec) * 1000000000LL + (end.tv_nsec - start.tv_nsec);
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    FILE *result = fopen(argv[1], "w");
    if (result == NULL) return 125;
    fprintf(result, "%lld %ld %lld %d\n", wall, usage.ru_maxrss, rchar, code);
    fclose(result);
    return code;
}
