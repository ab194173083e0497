/* The floor of a full build: runs a list of commands, at most JOBS at once, with posix_spawnp and wait,
 * and does nothing else (no hashing, no state, no scheduling beyond a counter). No build tool can run the
 * same commands faster on the same machine, so bench.py reports it beside the tools' full builds.
 *
 *   spawnfloor JOBS LIST
 *
 * LIST has one command per line, its words separated by single spaces (no quoting: the benchmark's paths
 * have no spaces). A line starting with "!" is a barrier: every earlier command finishes, then the rest of
 * the line runs as `/bin/sh -c REST` (the aggregate step). Exit status 0, or 1 when a command failed or
 * could not be started. */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

extern char **environ;

static int failed = 0;

static void reap(int *running) {
    int status;
    if (wait(&status) > 0) {
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) failed = 1;
        (*running)--;
    }
}

static int spawn(char **argv) {
    pid_t pid;
    if (posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ) != 0) {
        perror(argv[0]);
        failed = 1;
        return 0;
    }
    return 1;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: spawnfloor JOBS LIST\n");
        return 2;
    }
    int jobs = atoi(argv[1]);
    FILE *list = fopen(argv[2], "r");
    if (jobs < 1 || list == NULL) {
        fprintf(stderr, "spawnfloor: bad JOBS or unreadable LIST\n");
        return 2;
    }
    char line[8192];
    int running = 0;
    while (fgets(line, sizeof line, list)) {
        line[strcspn(line, "\n")] = 0;
        if (line[0] == 0) continue;
        if (line[0] == '!') {
            while (running > 0) reap(&running);
            char *shell[] = {"/bin/sh", "-c", line + 1, NULL};
            if (spawn(shell)) running++;
            while (running > 0) reap(&running);
            continue;
        }
        char *words[256];
        int count = 0;
        for (char *word = strtok(line, " "); word && count < 255; word = strtok(NULL, " ")) words[count++] = word;
        words[count] = NULL;
        if (count == 0) continue;
        while (running >= jobs) reap(&running);
        if (spawn(words)) running++;
    }
    while (running > 0) reap(&running);
    fclose(list);
    return failed;
}
