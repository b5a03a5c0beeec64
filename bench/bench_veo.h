/* What the VEO benchmarks share besides bench.h: a clock in nanoseconds,
 * the path of their VE libraries, and the ping-pong baselines between two
 * processes (the floors of a round trip between a VH thread and a VE
 * worker, on two CPUs and on one, measured in the same run as the figure
 * they are compared with). */
#ifndef RASHM_BENCH_VEO_H
#define RASHM_BENCH_VEO_H

#include <limits.h>
#include <sched.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

static inline double bench_now_ns(void)
{
    return bench_now() * 1e9;
}

/* buf = <directory of this program>/../lib/<name>, where the build puts the
 * benchmarks' VE libraries (lib/libbench-ve-*.so). NULL if unknown. */
static inline const char *bench_ve_lib(char *buf, size_t len, const char *name)
{
    char exe[PATH_MAX];
    ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (k <= 0)
        return NULL;
    exe[k] = 0;
    char *s = strrchr(exe, '/');
    if (!s)
        return NULL;
    *s = 0;
    if ((size_t)snprintf(buf, len, "%s/../lib/%s", exe, name) >= len)
        return NULL;
    return buf;
}

/* How the two sides of a ping-pong wait for each other. */
enum bench_pp {
    BENCH_PP_SPIN,       /* spin on the word */
    BENCH_PP_FUTEX,      /* sleep on it (FUTEX_WAIT/FUTEX_WAKE) */
    BENCH_PP_YIELD_1CPU, /* both pinned to one CPU, offering it (sched_yield)
                            at every poll: the cheapest hand-off between two
                            threads that share a CPU */
};

/* Round trips between this process and a child on one shared word, n of
 * them (after 100 unmeasured), each in samples[]. Returns the median round
 * trip in ns, -1 if the child could not be made. */
static inline double bench_pingpong(int n, enum bench_pp mode, double *samples)
{
    _Atomic uint32_t *w =
        mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    cpu_set_t old;
    int pinned = 0;
    if (w == MAP_FAILED)
        return -1;
    atomic_store(w, 0);
    if (mode == BENCH_PP_YIELD_1CPU && sched_getaffinity(0, sizeof old, &old) == 0) {
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(sched_getcpu(), &one);
        pinned = sched_setaffinity(0, sizeof one, &one) == 0; /* the child inherits it */
    }
    pid_t p = fork();
    if (p < 0) {
        munmap((void *)w, 4096);
        if (pinned)
            sched_setaffinity(0, sizeof old, &old);
        return -1;
    }
    if (p == 0) {
        for (uint32_t i = 0; i < (uint32_t)n + 100; i++) {
            uint32_t want = 2 * i + 1;
            while (atomic_load(w) != want) {
                if (mode == BENCH_PP_FUTEX)
                    syscall(SYS_futex, w, FUTEX_WAIT, 2 * i, NULL, NULL, 0);
                else if (mode == BENCH_PP_YIELD_1CPU)
                    sched_yield();
            }
            atomic_store(w, want + 1);
            if (mode == BENCH_PP_FUTEX)
                syscall(SYS_futex, w, FUTEX_WAKE, 1, NULL, NULL, 0);
        }
        _exit(0);
    }
    for (uint32_t i = 0; i < (uint32_t)n + 100; i++) {
        double t0 = bench_now_ns();
        atomic_store(w, 2 * i + 1);
        if (mode == BENCH_PP_FUTEX)
            syscall(SYS_futex, w, FUTEX_WAKE, 1, NULL, NULL, 0);
        while (atomic_load(w) != 2 * i + 2) {
            if (mode == BENCH_PP_FUTEX)
                syscall(SYS_futex, w, FUTEX_WAIT, 2 * i + 1, NULL, NULL, 0);
            else if (mode == BENCH_PP_YIELD_1CPU)
                sched_yield();
        }
        if (i >= 100)
            samples[i - 100] = bench_now_ns() - t0;
    }
    waitpid(p, NULL, 0);
    munmap((void *)w, 4096);
    if (pinned)
        sched_setaffinity(0, sizeof old, &old);
    return bench_median(samples, n);
}

#endif
