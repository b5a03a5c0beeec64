/* bench-veo-dmalat: latency of one small VE DMA issued by VE code (4 KiB by
 * default, or the size given as the first argument), between two
 * registered buffers of VE memory, against a memcpy of the same size
 * between the same buffers inside the same VE function (the baseline of the
 * same run). The DMA crosses from the VE process to its device process
 * (which owns the DMAATB and the engine) and back. Needs no huge pages.
 *
 *   ve_dma_post_wait      one request, the device runs the DMA and answers
 *   ve_dma_post + wait    post request, then a wait on the published state
 *   veo_dma_post_wait     the same DMA from the VH (one message each way on
 *                         the device process's socket)
 * Optional second argument: repetitions (default 20000). */
#define _GNU_SOURCE
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ve_offload.h"
#include "veo_hmem.h"
#include "veo_vedma.h"

#include "bench_veo.h"

#define MB (1ull << 20)

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    int64_t size = argc > 1 ? atoll(argv[1]) : 4096, reps = argc > 2 ? atoll(argv[2]) : 20000;
    if (size <= 0 || size % 4 || size > (int64_t)(2 * MB) || reps < 10) {
        fprintf(stderr, "usage: bench-veo-dmalat [size (multiple of 4, <= 2 MiB) [reps >= 10]]\n");
        return 2;
    }
    struct veo_proc_handle *h = veo_proc_create(-1);
    if (!h) {
        perror("veo_proc_create");
        return 1;
    }
    char lib[PATH_MAX + 64];
    uint64_t lh = bench_ve_lib(lib, sizeof lib, "libbench-ve-dma.so") ? veo_load_library(h, lib) : 0;
    uint64_t fn = lh ? veo_get_sym(h, lh, "bench_ve_dma_lat") : 0;
    void *a, *b;
    if (!fn || veo_alloc_hmem(h, &a, 2 * MB) || veo_alloc_hmem(h, &b, 2 * MB)) {
        fprintf(stderr, "bench-veo-dmalat: cannot load %s or allocate VE memory\n", lib);
        return 1;
    }
    uint64_t va = veo_register_mem_to_dmaatb(a, 2 * MB), vb = veo_register_mem_to_dmaatb(b, 2 * MB);
    if (va == (uint64_t)-1 || vb == (uint64_t)-1) {
        perror("veo_register_mem_to_dmaatb");
        return 1;
    }
    struct veo_thr_ctxt *ctx = veo_context_open(h);
    int64_t out[6] = {0};
    struct veo_args *args = veo_args_alloc();
    veo_args_set_u64(args, 0, va);
    veo_args_set_u64(args, 1, vb);
    veo_args_set_u64(args, 2, (uint64_t)veo_get_hmem_addr(a));
    veo_args_set_u64(args, 3, (uint64_t)veo_get_hmem_addr(b));
    veo_args_set_i64(args, 4, size);
    veo_args_set_i64(args, 5, reps);
    veo_args_set_stack(args, VEO_INTENT_OUT, 6, (char *)out, sizeof out);
    uint64_t ret = 1;
    /* once to warm up (pages, code), once measured */
    for (int pass = 0; pass < 2; pass++) {
        uint64_t id = veo_call_async(ctx, fn, args);
        if (id == VEO_REQUEST_ID_INVALID || veo_call_wait_result(ctx, id, &ret) != VEO_COMMAND_OK ||
            ret != 0) {
            fprintf(stderr, "bench-veo-dmalat: the VE function failed\n");
            return 1;
        }
    }
    printf("bench-veo-dmalat: %lld-byte DMA from VE code, VE memory -> VE memory, %lld reps "
           "(median / p10, microseconds)\n", (long long)size, (long long)reps);
    printf("  memcpy (baseline)          %8.3f / %8.3f\n", out[0] / 1e3, out[3] / 1e3);
    printf("  ve_dma_post_wait           %8.3f / %8.3f   (%.1fx memcpy)\n", out[1] / 1e3,
           out[4] / 1e3, out[0] ? (double)out[1] / (double)out[0] : 0.0);
    printf("  ve_dma_post + ve_dma_wait  %8.3f / %8.3f   (%.1fx memcpy)\n", out[2] / 1e3,
           out[5] / 1e3, out[0] ? (double)out[2] / (double)out[0] : 0.0);
    /* from the VH: median of reps/4 */
    int64_t nvh = reps / 4;
    double *tv = malloc(sizeof(double) * (size_t)nvh);
    for (int64_t r = 0; r < nvh && tv; r++) {
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        if (veo_dma_post_wait(h, va, vb, (int)size) != 0) {
            fprintf(stderr, "bench-veo-dmalat: veo_dma_post_wait failed\n");
            return 1;
        }
        clock_gettime(CLOCK_MONOTONIC, &t1);
        tv[r] = (double)(t1.tv_sec - t0.tv_sec) * 1e6 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e3;
    }
    if (tv) {
        qsort(tv, (size_t)nvh, sizeof(double), cmp_d);
        printf("  veo_dma_post_wait (VH)     %8.3f / %8.3f\n", tv[nvh / 2], tv[nvh / 10]);
        free(tv);
    }
    veo_args_free(args);
    veo_context_close(ctx);
    veo_unregister_mem_from_dmaatb(h, va);
    veo_unregister_mem_from_dmaatb(h, vb);
    veo_free_hmem(a);
    veo_free_hmem(b);
    veo_proc_destroy(h);
    return 0;
}
