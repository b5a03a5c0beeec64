/* VE code of the VH-VE SHM demo (built for x86, runs inside the rashm-ve
 * helper that stands in for the Vector Engine). It sees the VH's segment only
 * through its VEHVA: it DMAs the data into VE memory, computes a checksum
 * there, and DMAs a small result record back into the segment. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "vedma.h"

#define CHUNK (16u << 20) /* < the 128 MiB DMA limit; 4 in flight */

struct demo_result {          /* written at the segment's result offset */
    uint64_t magic;           /* DEMO_MAGIC */
    uint64_t checksum;        /* of the data as seen in VE memory */
    uint64_t words;           /* 32-bit words summed */
    uint64_t dma_exceptions;  /* OR of every DMA's completion value */
};
#define DEMO_MAGIC 0x5645444d4f4b2121ULL

int64_t demo_checksum(uint64_t shm_vehva, uint64_t ve_buf, uint64_t size, uint64_t result_off);

/* Fletcher-style 64-bit checksum of 32-bit words: order matters, so a
 * misplaced chunk is caught, not only a wrong byte. */
static uint64_t checksum(const uint32_t *w, uint64_t n)
{
    uint64_t a = 1, b = 0;
    for (uint64_t i = 0; i < n; i++) {
        a = (a + w[i]) % 0xffffffffULL;
        b = (b + a) % 0xffffffffULL;
    }
    return b << 32 | a;
}

/* shm_vehva: VEHVA of the segment; ve_buf: VE memory of `size` bytes (2 MiB
 * aligned, as veo_alloc_mem gives for such sizes); result_off: where in the
 * segment to put the demo_result. Returns 0 or -errno. */
int64_t demo_checksum(uint64_t shm_vehva, uint64_t ve_buf, uint64_t size, uint64_t result_off)
{
    ve_dma_handle_t h[4];
    int64_t rc = 0;
    uint64_t exc = 0;

    if (ve_dma_init())
        return -errno;
    uint64_t buf_vehva = ve_register_mem_to_dmaatb((void *)ve_buf, size);
    if (buf_vehva == (uint64_t)-1)
        return -errno;
    /* segment -> VE memory, up to four chunks in flight */
    uint64_t off = 0, done = 0;
    int inflight = 0, head = 0;
    while (done < result_off) {
        while (inflight < 4 && off < result_off) {
            uint64_t len = result_off - off < CHUNK ? result_off - off : CHUNK;
            int r = ve_dma_post(buf_vehva + off, shm_vehva + off, (int)len, &h[(head + inflight) % 4]);
            if (r == -EAGAIN)
                break;
            if (r) {
                rc = r;
                goto unregister;
            }
            off += len;
            inflight++;
        }
        exc |= (uint64_t)ve_dma_wait(&h[head]);
        done += result_off - done < CHUNK ? result_off - done : CHUNK;
        head = (head + 1) % 4;
        inflight--;
    }
    /* compute on VE memory, write the record there, DMA it back */
    struct demo_result *res = (struct demo_result *)(ve_buf + result_off);
    res->magic = DEMO_MAGIC;
    res->words = result_off / 4;
    res->checksum = checksum((const uint32_t *)ve_buf, res->words);
    res->dma_exceptions = exc;
    int r = ve_dma_post_wait(shm_vehva + result_off, buf_vehva + result_off, sizeof *res);
    if (r)
        rc = r < 0 ? r : -EIO;
unregister:
    ve_unregister_mem_from_dmaatb(buf_vehva);
    return rc;
}
