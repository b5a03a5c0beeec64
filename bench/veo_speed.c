/* The speed points real VEO programs notice, each printed with a baseline
 * measured in the same run and the ratio:
 *   1. veo_call_sync with 0 and with many (default 300,000) uncollected
 *      results on the same context (collection must not scan them);
 *   2. queued memory requests (veo_async_read_mem/veo_async_write_mem +
 *      veo_call_wait_result) against veo_read_mem/veo_write_mem, 8 B-4 KiB;
 *   3. the first 1000 operations after veo_proc_create against steady state;
 *   4. round trips while a CPU hog (a busy-loop process this program starts
 *      itself) competes for the cores, unpinned and pinned to CPU 0,
 *      against the idle figure; the ping-pongs between 2 processes are
 *      measured under the same hog.
 * Baselines: spin ping-pong between 2 processes on one cache line; the same
 * with both processes pinned to one CPU, handing it over with sched_yield
 * (the floor of a round trip between two threads the scheduler puts on one
 * CPU, as it does with a VH thread and its worker next to a hog on a
 * 2-CPU machine); memcpy.
 *
 * usage: bench-veo-speed [--uncollected N] [--no-hog] [--hog-only] */
#define _GNU_SOURCE
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ve_offload.h>

#include "bench_veo.h"

static double mean(const double *v, int n)
{
    double s = 0;
    for (int i = 0; i < n; i++)
        s += v[i];
    return s / n;
}

static pid_t hog_start(int cpu)
{
    pid_t p = fork();
    if (p == 0) {
        if (cpu >= 0) {
            cpu_set_t s;
            CPU_ZERO(&s);
            CPU_SET(cpu, &s);
            sched_setaffinity(0, sizeof s, &s);
        }
        for (volatile unsigned long i = 0;; i++)
            ;
    }
    usleep(20000); /* let it get going */
    return p;
}

static void hog_stop(pid_t p)
{
    if (p > 0) {
        kill(p, SIGKILL);
        waitpid(p, NULL, 0);
    }
}

static int bad;
static double t[20000];

static double sync_median(struct veo_proc_handle *h, uint64_t fn, struct veo_args *a, int n)
{
    uint64_t r;
    for (int i = 0; i < n; i++) {
        double t0 = bench_now_ns();
        bad += veo_call_sync(h, fn, a, &r) != VEO_COMMAND_OK;
        t[i] = bench_now_ns() - t0;
    }
    return bench_median(t, n);
}

/* median round trip; *mean (if not NULL) the mean, stalls included */
static double async_call_median(struct veo_thr_ctxt *c, uint64_t fn, struct veo_args *a, int n,
                                double *mean)
{
    uint64_t r;
    double t00 = bench_now_ns();
    for (int i = 0; i < n; i++) {
        double t0 = bench_now_ns();
        bad += veo_call_wait_result(c, veo_call_async(c, fn, a), &r) != VEO_COMMAND_OK;
        t[i] = bench_now_ns() - t0;
    }
    if (mean)
        *mean = (bench_now_ns() - t00) / n;
    return bench_median(t, n);
}

static double mem_median(struct veo_proc_handle *h, struct veo_thr_ctxt *c, int async, int write,
                         uint64_t ve, char *buf, size_t sz, int n)
{
    uint64_t r;
    for (int i = 0; i < n; i++) {
        double t0 = bench_now_ns();
        if (!async)
            bad += (write ? veo_write_mem(h, ve, buf, sz) : veo_read_mem(h, buf, ve, sz)) != 0;
        else {
            uint64_t id = write ? veo_async_write_mem(c, ve, buf, sz)
                                : veo_async_read_mem(c, buf, ve, sz);
            bad += veo_call_wait_result(c, id, &r) != VEO_COMMAND_OK || r != 0;
        }
        t[i] = bench_now_ns() - t0;
    }
    return bench_median(t, n);
}

int main(int argc, char **argv)
{
    long nunc = 300000;
    int hog = 1, only_hog = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--uncollected") && i + 1 < argc)
            nunc = atol(argv[++i]);
        else if (!strcmp(argv[i], "--no-hog"))
            hog = 0;
        else if (!strcmp(argv[i], "--hog-only"))
            only_hog = 1;
        else {
            fprintf(stderr, "usage: %s [--uncollected N] [--no-hog] [--hog-only]\n", argv[0]);
            return 2;
        }
    }
    char libpath[PATH_MAX + 64];
    if (!bench_ve_lib(libpath, sizeof libpath, "libbench-ve-calls.so"))
        return 1;
    const int n = 20000;
    double spin = bench_pingpong(n, BENCH_PP_SPIN, t);
    printf("bench-veo-speed (medians unless said otherwise; %ld CPUs online)\n",
           sysconf(_SC_NPROCESSORS_ONLN));
    printf("  baseline spin ping-pong (2 processes)       %8.3f us\n", spin / 1e3);

    /* 3. warm-up: the first operations after veo_proc_create */
    double t_create = bench_now_ns();
    struct veo_proc_handle *h = veo_proc_create(0);
    if (!h) {
        perror("veo_proc_create");
        return 1;
    }
    uint64_t lib = veo_load_library(h, libpath);
    uint64_t fn = veo_get_sym(h, lib, "bench_empty");
    struct veo_args *args = veo_args_alloc();
    if (!lib || !fn || !args) {
        fprintf(stderr, "setup failed (library %s)\n", libpath);
        return 1;
    }
    double t_ready = bench_now_ns();
    enum { NW = 1000 };
    double first[NW], steady[NW];
    uint64_t r, ve;
    bad += veo_alloc_mem(h, &ve, 1 << 20) != 0;
    for (int i = 0; i < NW; i++) {
        double t0 = bench_now_ns();
        if (i % 2)
            bad += veo_call_sync(h, fn, args, &r) != VEO_COMMAND_OK;
        else
            bad += veo_write_mem(h, ve, &r, 8) != 0;
        first[i] = bench_now_ns() - t0;
    }
    double t_first = bench_now_ns();
    while (bench_now_ns() - t_create < 1.0e9) /* well past any start-up effect */
        bad += veo_call_sync(h, fn, args, &r) != VEO_COMMAND_OK;
    for (int i = 0; i < NW; i++) {
        double t0 = bench_now_ns();
        if (i % 2)
            bad += veo_call_sync(h, fn, args, &r) != VEO_COMMAND_OK;
        else
            bad += veo_write_mem(h, ve, &r, 8) != 0;
        steady[i] = bench_now_ns() - t0;
    }
    if (!only_hog) {
        double mf = mean(first, NW), ms = mean(steady, NW);
        double medf = bench_median(first, NW), meds = bench_median(steady, NW);
        printf("\n3. warm-up (veo_call_sync and 8-byte veo_write_mem, alternating)\n");
        printf("  create + load library                       %8.1f ms\n", (t_ready - t_create) / 1e6);
        printf("  first %d ops after create: mean %7.3f us, median %7.3f us (took %.1f ms)\n", NW,
               mf / 1e3, medf / 1e3, (t_first - t_ready) / 1e6);
        printf("  %d ops at steady state:    mean %7.3f us, median %7.3f us\n", NW, ms / 1e3,
               meds / 1e3);
        printf("      ratio first/steady: mean %.2fx, median %.2fx   target < 2x\n", mf / ms, medf / meds);
    }

    struct veo_thr_ctxt *ctx = veo_context_open(h); /* the main context */
    if (!ctx)
        return 1;

    /* 1. collection with many uncollected results */
    if (!only_hog) {
        double s0 = sync_median(h, fn, args, n);
        uint64_t *ids = malloc((size_t)nunc * sizeof *ids);
        if (!ids)
            return 1;
        double t0 = bench_now_ns();
        for (long i = 0; i < nunc; i++)
            ids[i] = veo_call_async(ctx, fn, args);
        double tsub = bench_now_ns() - t0;
        double sN = sync_median(h, fn, args, n);
        t0 = bench_now_ns();
        for (long i = 0; i < nunc; i++)
            bad += veo_call_wait_result(ctx, ids[i], &r) != VEO_COMMAND_OK;
        double tcol = bench_now_ns() - t0;
        free(ids);
        printf("\n1. result collection\n");
        printf("  veo_call_sync, 0 uncollected results        %8.3f us  (%.2fx spin ping-pong)\n",
               s0 / 1e3, s0 / spin);
        printf("  veo_call_sync, %ld uncollected results  %8.3f us  ratio to 0: %.2fx  target < 2x\n",
               nunc, sN / 1e3, sN / s0);
        printf("  submitting them %.3f us each, collecting them %.3f us each\n", tsub / nunc / 1e3,
               tcol / nunc / 1e3);
    }

    /* 2. queued memory requests against synchronous transfers */
    static char buf[4096];
    if (!only_hog) {
        printf("\n2. memory requests: synchronous vs queued (+ veo_call_wait_result)\n");
        printf("  %6s %9s %9s %9s %9s %8s %8s %9s\n", "size", "write", "async w", "read",
               "async r", "aw/w", "ar/r", "memcpy");
        size_t sizes[] = {8, 64, 512, 4096};
        for (int k = 0; k < 4; k++) {
            size_t sz = sizes[k];
            int m = 5000;
            mem_median(h, ctx, 1, 1, ve, buf, sz, 500); /* warm */
            double w = mem_median(h, ctx, 0, 1, ve, buf, sz, m);
            double aw = mem_median(h, ctx, 1, 1, ve, buf, sz, m);
            double rd = mem_median(h, ctx, 0, 0, ve, buf, sz, m);
            double ar = mem_median(h, ctx, 1, 0, ve, buf, sz, m);
            static char dst[4096];
            for (int i = 0; i < m; i++) {
                double t1 = bench_now_ns();
                memcpy(dst, buf, sz);
                __asm__ volatile("" ::: "memory");
                t[i] = bench_now_ns() - t1;
            }
            double mc = bench_median(t, m);
            printf("  %6zu %7.3fus %7.3fus %7.3fus %7.3fus %7.2fx %7.2fx %7.3fus\n", sz, w / 1e3,
                   aw / 1e3, rd / 1e3, ar / 1e3, aw / w, ar / rd, mc / 1e3);
        }
        printf("  target: queued within 2x of synchronous\n");
    }

    /* 4. a competing CPU hog */
    if (hog) {
        int m = 5000;
        double idle_mean, idle_a = async_call_median(ctx, fn, args, m, &idle_mean);
        double idle_r = mem_median(h, ctx, 0, 0, ve, buf, 8, m);
        double idle_y = bench_pingpong(m, BENCH_PP_YIELD_1CPU, t);
        printf("\n4. with a competing CPU hog (busy-loop process), %d round trips each\n", m);
        printf("  %-20s %9s %9s %9s %9s %9s %9s %9s\n", "", "spin p-p", "1-CPU p-p", "call",
               "call mean", "read 8 B", "call/idle", "call/1CPU");
        printf("  %-20s %7.3fus %7.3fus %7.3fus %7.3fus %7.3fus\n", "idle", spin / 1e3,
               idle_y / 1e3, idle_a / 1e3, idle_mean / 1e3, idle_r / 1e3);
        int cpus[] = {-1, 0};
        const char *names[] = {"hog, unpinned", "hog pinned to CPU 0"};
        for (int k = 0; k < 2; k++) {
            pid_t p = hog_start(cpus[k]);
            double sp = bench_pingpong(m, BENCH_PP_SPIN, t);
            double yp = bench_pingpong(m, BENCH_PP_YIELD_1CPU, t);
            double am, a = async_call_median(ctx, fn, args, m, &am);
            double rr = mem_median(h, ctx, 0, 0, ve, buf, 8, m);
            hog_stop(p);
            printf("  %-20s %7.3fus %7.3fus %7.3fus %7.3fus %7.3fus %8.2fx %8.2fx\n", names[k],
                   sp / 1e3, yp / 1e3, a / 1e3, am / 1e3, rr / 1e3, a / idle_a, a / yp);
        }
        printf("  target: call within 3x of idle. 1-CPU p-p: two processes pinned to one CPU\n"
               "  handing it over (sched_yield): no round trip between two threads that share\n"
               "  a CPU can be faster, so where call/1CPU is ~1x the VH thread and the worker\n"
               "  were put on one CPU and the call costs what the system's hand-off costs.\n");
    }

    if (bad)
        printf("  ERROR: %d operations failed\n", bad);
    veo_free_mem(h, ve);
    veo_args_free(args);
    veo_proc_destroy(h);
    return bad ? 1 : 0;
}
