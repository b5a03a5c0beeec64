/* VE library of bench-veo-dma (lib/libbench-ve-dma.so): times VE DMA from
 * inside the VE process, without a VH round trip per transfer. */
#include <errno.h>
#include <stdint.h>
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
