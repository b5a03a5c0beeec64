/* What the VEO benchmarks share besides bench.h: a clock in nanoseconds,
 * the path of their VE libraries, and the ping-pong baselines between two
 * processes (the floor of any round trip between a VH thread and a VE
 * worker, measured in the same run as the figure it is compared with). */
#ifndef RASHM_BENCH_VEO_H
#define RASHM_BENCH_VEO_H

#include <limits.h>
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

/* Round trips between this process and a child on one shared word, n of
 * them (after 100 unmeasured), each in samples[]; `use_futex` sleeps on the
 * word instead of spinning. Returns the median round trip in ns, -1 if the
 * child could not be made. */
static inline double bench_pingpong(int n, int use_futex, double *samples)
{
    _Atomic uint32_t *w =
        mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (w == MAP_FAILED)
        return -1;
    atomic_store(w, 0);
    pid_t p = fork();
    if (p < 0) {
        munmap((void *)w, 4096);
        return -1;
    }
    if (p == 0) {
        for (uint32_t i = 0; i < (uint32_t)n + 100; i++) {
            uint32_t want = 2 * i + 1;
            while (atomic_load(w) != want)
                if (use_futex)
                    syscall(SYS_futex, w, FUTEX_WAIT, 2 * i, NULL, NULL, 0);
            atomic_store(w, want + 1);
            if (use_futex)
                syscall(SYS_futex, w, FUTEX_WAKE, 1, NULL, NULL, 0);
        }
        _exit(0);
    }
    for (uint32_t i = 0; i < (uint32_t)n + 100; i++) {
        double t0 = bench_now_ns();
        atomic_store(w, 2 * i + 1);
        if (use_futex)
            syscall(SYS_futex, w, FUTEX_WAKE, 1, NULL, NULL, 0);
        while (atomic_load(w) != 2 * i + 2)
            if (use_futex)
                syscall(SYS_futex, w, FUTEX_WAIT, 2 * i + 1, NULL, NULL, 0);
        if (i >= 100)
            samples[i - 100] = bench_now_ns() - t0;
    }
    waitpid(p, NULL, 0);
    munmap((void *)w, 4096);
    return bench_median(samples, n);
}

#endif
