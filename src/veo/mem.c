/* The VE memory allocator of one VE process.
 *
 * The helper only maps the VE memory; which parts are in use is kept here on
 * the VH side, so veo_alloc_mem/veo_free_mem cost no round trip. Extents are
 * kept out of band in a sorted array (VE code cannot corrupt them by writing
 * past a buffer). First fit. Alignment: 64 bytes; 2 MiB for blocks of 2 MiB
 * and more, 64 MiB for blocks of 64 MiB and more, which are the alignments
 * the DMAATB asks of registered VE memory (ve_register_mem_to_dmaatb). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "veo_internal.h"

#define MIN_ALIGN 64ull

int ve_alloc_init(struct ve_alloc *a, uint64_t base, uint64_t cap)
{
    memset(a, 0, sizeof *a);
    a->max = 64;
    a->ext = malloc(a->max * sizeof *a->ext);
    if (!a->ext)
        return -ENOMEM;
    pthread_mutex_init(&a->lock, NULL);
    a->base = base;
    a->cap = cap;
    a->ext[0] = (struct ve_extent){0, cap, 0};
    a->n = 1;
    return 0;
}

void ve_alloc_fini(struct ve_alloc *a)
{
    free(a->ext);
    a->ext = NULL;
    a->n = 0;
    pthread_mutex_destroy(&a->lock);
}

/* Makes room for `more` extents. */
static int grow(struct ve_alloc *a, size_t more)
{
    if (a->n + more <= a->max)
        return 0;
    size_t m = a->max * 2;
    struct ve_extent *e = realloc(a->ext, m * sizeof *e);
    if (!e)
        return -ENOMEM;
    a->ext = e;
    a->max = m;
    return 0;
}

static void insert_at(struct ve_alloc *a, size_t i, struct ve_extent e)
{
    memmove(&a->ext[i + 1], &a->ext[i], (a->n - i) * sizeof e);
    a->ext[i] = e;
    a->n++;
}

static void remove_at(struct ve_alloc *a, size_t i)
{
    memmove(&a->ext[i], &a->ext[i + 1], (a->n - i - 1) * sizeof a->ext[0]);
    a->n--;
}

int ve_alloc_get(struct ve_alloc *a, uint64_t size, uint64_t *addr)
{
    int rc = -ENOMEM;
    if (size == 0 || size > a->cap)
        return size == 0 ? -EINVAL : -ENOMEM;
    uint64_t align = size >= (64ull << 20) ? (64ull << 20) : size >= (2ull << 20) ? (2ull << 20) : MIN_ALIGN;
    size = (size + MIN_ALIGN - 1) & ~(MIN_ALIGN - 1);
    pthread_mutex_lock(&a->lock);
    if (grow(a, 2) < 0)
        goto out_unlock;
    for (size_t i = 0; i < a->n; i++) {
        struct ve_extent e = a->ext[i];
        if (e.used)
            continue;
        /* base is 64 MiB aligned, so aligning the offset aligns the address */
        uint64_t start = (e.off + align - 1) & ~(align - 1);
        if (start + size > e.off + e.size || start + size < start)
            continue;
        uint64_t lead = start - e.off, tail = e.off + e.size - (start + size);
        size_t j = i;
        if (lead) {
            a->ext[j].size = lead;
            j++;
            insert_at(a, j, (struct ve_extent){start, size, 1});
        } else {
            a->ext[j] = (struct ve_extent){start, size, 1};
        }
        if (tail)
            insert_at(a, j + 1, (struct ve_extent){start + size, tail, 0});
        *addr = a->base + start;
        rc = 0;
        break;
    }
out_unlock:
    pthread_mutex_unlock(&a->lock);
    return rc;
}

int ve_alloc_put(struct ve_alloc *a, uint64_t addr)
{
    if (addr < a->base || addr >= a->base + a->cap)
        return -EINVAL;
    uint64_t off = addr - a->base;
    pthread_mutex_lock(&a->lock);
    size_t lo = 0, hi = a->n;
    while (lo < hi) { /* first extent with off >= wanted */
        size_t mid = (lo + hi) / 2;
        if (a->ext[mid].off < off)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == a->n || a->ext[lo].off != off || !a->ext[lo].used) {
        pthread_mutex_unlock(&a->lock);
        return -EINVAL;
    }
    a->ext[lo].used = 0;
    if (lo + 1 < a->n && !a->ext[lo + 1].used) {
        a->ext[lo].size += a->ext[lo + 1].size;
        remove_at(a, lo + 1);
    }
    if (lo > 0 && !a->ext[lo - 1].used) {
        a->ext[lo - 1].size += a->ext[lo].size;
        remove_at(a, lo);
    }
    pthread_mutex_unlock(&a->lock);
    return 0;
}

/* ---- veo_alloc_mem / veo_free_mem ------------------------------------ */

int veo_i_alloc_mem(struct veo_proc_handle *h, size_t size, uint64_t *addr)
{
    if (!h || !addr)
        return -EINVAL;
    if (veo_i_dead(h))
        return -ESRCH;
    return ve_alloc_get(&h->mem, size, addr);
}

/* VE memory is a memfd that gets pages at first touch (so a VE node of
 * RASHM_VE_MEM_SIZE costs nothing until used), but what a client allocates
 * is memory on the card, present at once. Left to first touch, the first
 * veo_write_mem into a fresh buffer takes one page fault per 4 KiB page
 * (shared memory has no transparent huge pages unless shmem_enabled allows
 * them; ~10-25 us each in a virtual machine), so writes measured 10-30x
 * slower than reads. Backing the range at allocation through the VH's own
 * mapping moves that cost into veo_alloc_mem, batched in one system call,
 * where AVEO's VE-side malloc also spends it. The pages follow VE memory's
 * placement (a shared policy of the memfd, set by the helper). Best effort:
 * without MADV_POPULATE_WRITE (before Linux 5.14), or when the host is
 * short of memory, pages come at first touch as before. */
void veo_i_back_mem(struct veo_proc_handle *h, uint64_t ve, uint64_t size)
{
#ifdef MADV_POPULATE_WRITE
    uint64_t base = RVE_MEM_BASE + (uint64_t)h->venode * RVE_MEM_STRIDE;
    if (!h->vemem || !size || ve < base || size > h->vemem_size || ve - base > h->vemem_size - size)
        return;
    long pg = sysconf(_SC_PAGESIZE);
    uint64_t lo = (ve - base) & ~(uint64_t)(pg - 1);
    (void)madvise(h->vemem + lo, (size_t)(ve - base + size - lo), MADV_POPULATE_WRITE);
#else
    (void)h;
    (void)ve;
    (void)size;
#endif
}

int veo_i_free_mem(struct veo_proc_handle *h, uint64_t addr)
{
    if (!h)
        return -EINVAL;
    if (veo_i_dead(h))
        return -ESRCH;
    return ve_alloc_put(&h->mem, addr);
}

/* VEO returns -2 when the VE process is gone, -1 for other errors. */
/* Each is, in AVEO, a request of the process's main context whose reply VE
 * code can read back (veo_prev_req_result): the address allocated (0 when
 * the VE found no memory), an empty acknowledgement for a free. Here the
 * allocator is the VH's own; the main context only counts the request
 * (veo_i_implicit), unless the call was refused before AVEO would have sent
 * anything or the process is gone. */
VEO_API int veo_alloc_mem(struct veo_proc_handle *h, uint64_t *addr, const size_t size)
{
    int rc = addr ? veo_i_alloc_mem(h, size, addr) : -EINVAL;
    if (h && addr && rc != -ESRCH) /* a size AVEO's VE malloc takes (0) counts too */
        veo_i_implicit(h->ctx[0], 1, RVE_HIST_VALUE, rc < 0 ? 0 : *addr, 0);
    if (rc < 0) {
        errno = -rc;
        return rc == -ESRCH ? -2 : -1;
    }
    veo_i_back_mem(h, *addr, size);
    veo_hook_fn *hook;
    void *payload;
    if (veo_i_hook((void *)veo_alloc_mem, &hook, &payload))
        hook(payload, h, addr, size);
    return 0;
}

VEO_API int veo_free_mem(struct veo_proc_handle *h, uint64_t addr)
{
    int rc = veo_i_free_mem(h, addr);
    if (h && rc != -ESRCH)
        veo_i_implicit(h->ctx[0], 1, RVE_HIST_EMPTY, 0, 0);
    if (rc < 0) {
        errno = -rc;
        return rc == -ESRCH ? -2 : -1;
    }
    veo_hook_fn *hook;
    void *payload;
    if (veo_i_hook((void *)veo_free_mem, &hook, &payload))
        hook(payload, h, addr);
    return 0;
}
