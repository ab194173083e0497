/* Prints the CPU time of the process it is preloaded into, without its children: what a build tool spends
 * itself, apart from the commands it runs (time(1) and wait4 count both).
 *
 *   cc -O2 -shared -fPIC -o /tmp/selfusage.so bench/selfusage.c
 *   LD_PRELOAD=/tmp/selfusage.so .build/release/stask build -j2 2>&1 >/dev/null | grep '^self' | tail -1
 *
 * Every dynamically linked child prints its own line too (LD_PRELOAD is inherited); the tool exits last,
 * so its line is the last one. Voluntary context switches (vcsw) count how often its threads slept: one
 * per step is the least an event loop that spawns with vfork can do. */
#include <stdio.h>
#include <sys/resource.h>

__attribute__((destructor)) static void report(void) {
    struct rusage usage;
    if (getrusage(RUSAGE_SELF, &usage) != 0) return;
    fprintf(stderr, "self user %.3f s sys %.3f s vcsw %ld ivcsw %ld\n",
            usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6,
            usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6, usage.ru_nvcsw, usage.ru_nivcsw);
}
