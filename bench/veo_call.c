/* Empty VE call round trip: veo_call_async + veo_call_wait_result (and
 * veo_call_sync), median over many calls, against baselines measured in the
 * same run: a direct function call, a cross-process ping-pong through one
 * spinning shared cache line, and a cross-process futex ping-pong.
 *
 * usage: bench-veo-call [calls]   (default 20000) */
#define _GNU_SOURCE
#include <limits.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ve_offload.h>

#include "bench_veo.h"

static double pct(double *v, int n, double p) /* v sorted */
{
    return v[(int)(p * (n - 1))];
}

__attribute__((noinline)) static uint64_t direct_empty(void)
{
    __asm__ volatile("" ::: "memory");
    return 0;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 20000;
    if (n < 10000)
        n = 10000;
    double *t = calloc((size_t)n, sizeof *t);
    char libpath[PATH_MAX + 64];
    if (!t || !bench_ve_lib(libpath, sizeof libpath, "libbench-ve-calls.so"))
        return 1;

    /* baselines */
    for (int i = 0; i < n; i++) {
        double t0 = bench_now_ns();
        direct_empty();
        t[i] = bench_now_ns() - t0;
    }
    double direct = bench_median(t, n);
    double spin = bench_pingpong(n, BENCH_PP_SPIN, t);
    double fut = bench_pingpong(n / 4, BENCH_PP_FUTEX, t);

    /* the second context below needs it, as on AVEO (docs/veo.md) */
    setenv("VE_OMP_NUM_THREADS", "1", 1);
    struct veo_proc_handle *h = veo_proc_create(0);
    if (!h) {
        perror("veo_proc_create");
        return 1;
    }
    uint64_t lib = veo_load_library(h, libpath);
    uint64_t fn = veo_get_sym(h, lib, "bench_empty");
    struct veo_thr_ctxt *ctx = veo_context_open(h);
    struct veo_args *args = veo_args_alloc();
    if (!lib || !fn || !ctx || !args) {
        fprintf(stderr, "setup failed (library %s)\n", libpath);
        return 1;
    }
    uint64_t r;
    for (int i = 0; i < 2000; i++) /* warm up */
        veo_call_wait_result(ctx, veo_call_async(ctx, fn, args), &r);
    int bad = 0;
    for (int i = 0; i < n; i++) {
        double t0 = bench_now_ns();
        uint64_t id = veo_call_async(ctx, fn, args);
        bad += veo_call_wait_result(ctx, id, &r) != VEO_COMMAND_OK;
        t[i] = bench_now_ns() - t0;
    }
    double async = bench_median(t, n);
    double p10 = pct(t, n, 0.10), p90 = pct(t, n, 0.90), p99 = pct(t, n, 0.99);
    for (int i = 0; i < n; i++) {
        double t0 = bench_now_ns();
        bad += veo_call_sync(h, fn, args, &r) != VEO_COMMAND_OK;
        t[i] = bench_now_ns() - t0;
    }
    double sync = bench_median(t, n);

    /* 8 scalar arguments; one 64-byte INOUT stack argument */
    uint64_t f8 = veo_get_sym(h, lib, "bench_args8"), fio = veo_get_sym(h, lib, "bench_inout");
    struct veo_args *a8 = veo_args_alloc(), *aio = veo_args_alloc();
    uint64_t iobuf[8] = {0};
    for (int i = 0; i < 8; i++)
        veo_args_set_u64(a8, i, (uint64_t)i);
    veo_args_set_stack(aio, VEO_INTENT_INOUT, 0, (char *)iobuf, sizeof iobuf);
    veo_args_set_u64(aio, 1, 8);
    for (int i = 0; i < n; i++) {
        double t0 = bench_now_ns();
        bad += veo_call_wait_result(ctx, veo_call_async(ctx, f8, a8), &r) != VEO_COMMAND_OK;
        t[i] = bench_now_ns() - t0;
    }
    double args8 = bench_median(t, n);
    for (int i = 0; i < n; i++) {
        double t0 = bench_now_ns();
        bad += veo_call_wait_result(ctx, veo_call_async(ctx, fio, aio), &r) != VEO_COMMAND_OK;
        t[i] = bench_now_ns() - t0;
    }
    double inout = bench_median(t, n);
    bad += iobuf[0] != (uint64_t)n;
    veo_args_free(a8);
    veo_args_free(aio);

    /* a second context opened: calls on it cost the same */
    struct veo_thr_ctxt *ctx2 = veo_context_open(h);
    for (int i = 0; i < n; i++) {
        double t0 = bench_now_ns();
        bad += veo_call_wait_result(ctx2, veo_call_async(ctx2, fn, args), &r) != VEO_COMMAND_OK;
        t[i] = bench_now_ns() - t0;
    }
    double async2 = bench_median(t, n);

    /* throughput: 64 calls in flight, then collect */
    double t0 = bench_now_ns();
    uint64_t ids[64];
    int batches = n / 64;
    for (int b = 0; b < batches; b++) {
        for (int i = 0; i < 64; i++)
            ids[i] = veo_call_async(ctx, fn, args);
        for (int i = 0; i < 64; i++)
            bad += veo_call_wait_result(ctx, ids[i], &r) != VEO_COMMAND_OK;
    }
    double per_call_pipelined = (bench_now_ns() - t0) / (batches * 64);

    printf("bench-veo-call: empty VE function, %d calls each (median)\n", n);
    printf("  baseline direct function call         %8.3f us\n", direct / 1e3);
    printf("  baseline spin ping-pong (2 processes) %8.3f us\n", spin / 1e3);
    printf("  baseline futex ping-pong (2 proc.)    %8.3f us\n", fut / 1e3);
    printf("  veo_call_async + veo_call_wait_result %8.3f us  (p10 %.3f, p90 %.3f, p99 %.3f)  target < 2 us\n",
           async / 1e3, p10 / 1e3, p90 / 1e3, p99 / 1e3);
    printf("      ratio to spin ping-pong  %.2fx, to futex ping-pong %.3fx\n", async / spin, async / fut);
    printf("  veo_call_sync (main context)          %8.3f us  ratio to spin ping-pong %.2fx\n",
           sync / 1e3, sync / spin);
    printf("  async+wait on a second context        %8.3f us\n", async2 / 1e3);
    printf("  call with 8 u64 arguments             %8.3f us\n", args8 / 1e3);
    printf("  call with a 64-byte INOUT stack arg   %8.3f us\n", inout / 1e3);
    printf("  pipelined (64 in flight), per call    %8.3f us\n", per_call_pipelined / 1e3);
    if (bad)
        printf("  ERROR: %d calls did not return VEO_COMMAND_OK\n", bad);
    veo_args_free(args);
    veo_context_close(ctx2);
    veo_proc_destroy(h);
    free(t);
    return bad ? 1 : 0;
}
