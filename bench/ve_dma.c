/* VE library of bench-veo-dma (lib/libbench-ve-dma.so): times VE DMA from
 * inside the VE process, without a VH round trip per transfer. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vedma.h"

int64_t bench_ve_dma(uint64_t dst, uint64_t src, int64_t size, int64_t reps);

/* Moves `size` bytes reps times (in chunks of at most 64 MiB, all chunks of
 * one repetition in flight together). Returns the best repetition in ns, or
 * -1 when a DMA failed. */
int64_t bench_ve_dma(uint64_t dst, uint64_t src, int64_t size, int64_t reps)
{
    const int64_t chunk = 64 << 20;
    int64_t best = INT64_MAX;
    ve_dma_handle_t h[VE_DMA_NDESC];
    for (int64_t r = 0; r < reps; r++) {
        struct timespec a, b;
        int n = 0;
        clock_gettime(CLOCK_MONOTONIC, &a);
        for (int64_t off = 0; off < size; off += chunk) {
            int64_t len = size - off < chunk ? size - off : chunk;
            while (ve_dma_post(dst + off, src + off, (int)len, &h[n]) == -EAGAIN)
                ;
            n++;
        }
        for (int i = 0; i < n; i++)
            if (ve_dma_wait(&h[i]))
                return -1;
        clock_gettime(CLOCK_MONOTONIC, &b);
        int64_t ns = (b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec);
        if (ns < best)
            best = ns;
    }
    return best;
}

int64_t bench_ve_dma_lat(uint64_t dst, uint64_t src, uint64_t dmem, uint64_t smem, int64_t size,
                         int64_t reps, int64_t *out);

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* Latency of one small DMA from VE code (dst, src: VEHVAs of the buffers
 * whose VE addresses are dmem, smem), reps times each, alternating with a
 * memcpy of the same size between the same buffers as the baseline.
 * out[0..5]: medians in ns of memcpy, ve_dma_post_wait, ve_dma_post +
 * ve_dma_wait; then their 10th percentiles. Returns 0, or -1 when a DMA
 * failed. */
int64_t bench_ve_dma_lat(uint64_t dst, uint64_t src, uint64_t dmem, uint64_t smem, int64_t size,
                         int64_t reps, int64_t *out)
{
    int64_t *t = malloc(sizeof(int64_t) * 3 * (size_t)reps);
    if (!t)
        return -1;
    for (int64_t r = 0; r < reps; r++) {
        ve_dma_handle_t h;
        int64_t a = now_ns();
        memcpy((void *)dmem, (const void *)smem, (size_t)size);
        __asm__ __volatile__("" ::: "memory");
        int64_t b = now_ns();
        if (ve_dma_post_wait(dst, src, (int)size)) {
            free(t);
            return -1;
        }
        int64_t c = now_ns();
        while (ve_dma_post(dst, src, (int)size, &h) == -EAGAIN)
            ;
        if (ve_dma_wait(&h)) {
            free(t);
            return -1;
        }
        int64_t d = now_ns();
        t[r] = b - a;
        t[reps + r] = c - b;
        t[2 * reps + r] = d - c;
    }
    for (int k = 0; k < 3; k++) {
        qsort(t + k * reps, (size_t)reps, sizeof(int64_t), cmp_i64);
        out[k] = t[k * reps + reps / 2];
        out[3 + k] = t[k * reps + reps / 10];
    }
    free(t);
    return 0;
}
