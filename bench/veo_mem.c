/* veo_write_mem / veo_read_mem: latency of 8 bytes, and bandwidth from
 * 4 KiB to 256 MiB against a single-thread memcpy of the same size measured
 * in the same run (both buffers resident beforehand). Also the VH process's
 * peak memory, to show transfers need no staging.
 *
 * usage: bench-veo-mem [max_MiB]   (default 256) */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <ve_offload.h>

#include "bench_veo.h"

static long maxrss_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

int main(int argc, char **argv)
{
    size_t max = (size_t)(argc > 1 ? atoi(argv[1]) : 256) << 20;
    if (max < 4096)
        max = 4096;
    /* the VE node must hold the largest buffer */
    setenv("RASHM_VE_MEM_SIZE", "2G", 0);
    struct veo_proc_handle *h = veo_proc_create(0);
    if (!h) {
        perror("veo_proc_create");
        return 1;
    }
    enum { N8 = 20000 };
    static double t[N8];
    uint64_t ve;
    uint64_t v = 0x1122334455667788ull, back = 0;
    if (veo_alloc_mem(h, &ve, max) != 0) {
        fprintf(stderr, "veo_alloc_mem(%zu) failed\n", max);
        return 1;
    }
    int bad = 0;
    for (int i = 0; i < 1000; i++)
        bad |= veo_write_mem(h, ve, &v, 8);
    for (int i = 0; i < N8; i++) {
        double t0 = bench_now_ns();
        bad |= veo_write_mem(h, ve, &v, 8);
        t[i] = bench_now_ns() - t0;
    }
    qsort(t, N8, sizeof t[0], bench_cmp_double);
    double w8 = t[N8 / 2];
    for (int i = 0; i < N8; i++) {
        double t0 = bench_now_ns();
        bad |= veo_read_mem(h, &back, ve, 8);
        t[i] = bench_now_ns() - t0;
    }
    qsort(t, N8, sizeof t[0], bench_cmp_double);
    double r8 = t[N8 / 2];
    bad |= back != v;
    /* memcpy of 8 bytes, for scale */
    volatile uint64_t sink;
    uint64_t src8 = 1;
    for (int i = 0; i < N8; i++) {
        double t0 = bench_now_ns();
        memcpy((void *)&sink, &src8, 8);
        t[i] = bench_now_ns() - t0;
    }
    qsort(t, N8, sizeof t[0], bench_cmp_double);
    double m8 = t[N8 / 2];
    printf("bench-veo-mem: 8-byte transfers, median of %d\n", N8);
    printf("  veo_write_mem 8 B  %7.3f us   target < 3 us\n", w8 / 1e3);
    printf("  veo_read_mem  8 B  %7.3f us   target < 3 us\n", r8 / 1e3);
    printf("  baseline memcpy 8 B (incl. clock read) %7.3f us\n", m8 / 1e3);

    char *a = aligned_alloc(4096, max), *b = aligned_alloc(4096, max);
    if (!a || !b)
        return 1;
    memset(a, 0x5a, max);
    memset(b, 0xa5, max);
    veo_write_mem(h, ve, a, max); /* VE pages resident */
    long rss0 = maxrss_kib();
    printf("\n  %10s %12s %12s %12s %8s %8s\n", "size", "memcpy GB/s", "write GB/s", "read GB/s",
           "w/memcpy", "r/memcpy");
    for (size_t sz = 4096; sz <= max; sz *= 4) {
        int reps = (int)((512ull << 20) / sz);
        if (reps < 3)
            reps = 3;
        if (reps > 20000)
            reps = 20000;
        double best_m = 1e30, best_w = 1e30, best_r = 1e30;
        for (int round = 0; round < 3; round++) {
            double t0 = bench_now_ns();
            for (int i = 0; i < reps; i++) {
                memcpy(b, a, sz);
                __asm__ volatile("" ::: "memory");
            }
            double tm = (bench_now_ns() - t0) / reps;
            t0 = bench_now_ns();
            for (int i = 0; i < reps; i++)
                bad |= veo_write_mem(h, ve, a, sz);
            double tw = (bench_now_ns() - t0) / reps;
            t0 = bench_now_ns();
            for (int i = 0; i < reps; i++)
                bad |= veo_read_mem(h, b, ve, sz);
            double tr = (bench_now_ns() - t0) / reps;
            best_m = tm < best_m ? tm : best_m;
            best_w = tw < best_w ? tw : best_w;
            best_r = tr < best_r ? tr : best_r;
        }
        char label[32];
        if (sz >= (1u << 20))
            snprintf(label, sizeof label, "%zu MiB", sz >> 20);
        else
            snprintf(label, sizeof label, "%zu KiB", sz >> 10);
        printf("  %10s %12.2f %12.2f %12.2f %7.2fx %7.2fx%s\n", label, sz / best_m, sz / best_w,
               sz / best_r, best_m / best_w, best_m / best_r,
               sz == (64u << 20) ? "   <- target >= 0.8x" : "");
    }
    bad |= memcmp(a, b, max) != 0;
    printf("\n  VH peak RSS grew by %ld KiB during the sweep (buffers were resident before)\n",
           maxrss_kib() - rss0);
    if (bad)
        printf("  ERROR: a transfer failed or data did not match\n");
    veo_free_mem(h, ve);
    veo_proc_destroy(h);
    free(a);
    free(b);
    return bad ? 1 : 0;
}
