/* The software VE's DMAATB: VEHVA -> host translations of one VE process.
 *
 * Modelled on a VE1 card (VE10/20):
 *  - registrations live in two VEHVA regions, one per page size:
 *    2 MiB pages in 0x88_0000_0000..0x8f_ffff_ffff (VH-VE SHM, and VE memory
 *    that is only 2 MiB aligned), 64 MiB pages in 0x700_0000_0000..
 *    0x7ff_ffff_ffff (VE memory that is 64 MiB aligned);
 *  - the table is made of directories of `entries` (256) page entries; a
 *    directory serves one page size and one aligned block of 256 pages of
 *    VEHVA space (512 MiB of 2 MiB pages, 16 GiB of 64 MiB pages). The card
 *    leaves 56 directories for VESHM/VHSHM registrations. A registration
 *    needs an entry per page, and a directory for every block it touches
 *    that has none yet: when none is free, ENOMEM.
 * One difference from the card: there the table is shared by every process
 * of the VE node; here each VE process (helper) has its own.
 * Locking is the table's own: a read-write lock (writers register and
 * unregister; a transfer holds it for reading across its copy, so the
 * memory behind a registration cannot be unmapped under a running DMA), and
 * the generation counter, which DMA posters read without any lock.
 *
 * Generations: first fit hands a freed VEHVA out again at once, so a DMA
 * queued for a segment that was detached meanwhile would land in whatever
 * was attached next at the same VEHVA. Every registration gets the next
 * generation number; a DMA carries the generation current when it was
 * posted, and translation ignores entries newer than that (missing page).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "dmaatb.h"

/* One registration: VEHVA range -> host range of this process. Never leaves
 * this file. */
struct atb_entry {
    uint64_t vehva;
    uint64_t size;
    char *host;
    unsigned pgsz_idx;   /* 0: 2 MiB, 1: 64 MiB */
    int kind;
    int readonly;
    unsigned refs;       /* ATB_VEMEM: registrations of the same (host, size) */
    uint64_t gen;        /* registration generation (1, 2, ...; never reused) */
    struct atb_backing back;
};

struct space {
    uint64_t base, end, pgsz;
    uint32_t npages;
    uint32_t nblocks;
    uint8_t *used;         /* per page: 1 when an entry maps it */
    uint8_t *has_dir;      /* per block: 1 when a directory serves it */
    uint32_t *block_used;  /* per block: pages in use */
};

struct dmaatb {
    pthread_rwlock_t lock;
    int open;
    int dirs, entries;
    int dirs_free;
    unsigned used_entries;
    struct space sp[2];
    struct atb_entry *ent;
    unsigned nent, cap;
    _Atomic uint64_t gen;  /* generation of the latest registration */
};

static int space_init(struct space *s, uint64_t base, uint64_t end, uint64_t pgsz, int entries)
{
    s->base = base;
    s->end = end;
    s->pgsz = pgsz;
    s->npages = (uint32_t)((end - base) / pgsz);
    s->nblocks = (s->npages + (uint32_t)entries - 1) / (uint32_t)entries;
    s->used = calloc(s->npages, 1);
    s->has_dir = calloc(s->nblocks, 1);
    s->block_used = calloc(s->nblocks, sizeof *s->block_used);
    if (!s->used || !s->has_dir || !s->block_used) {
        free(s->used);
        free(s->has_dir);
        free(s->block_used);
        return -ENOMEM;
    }
    return 0;
}

static void space_fini(struct space *s)
{
    free(s->used);
    free(s->has_dir);
    free(s->block_used);
}

struct dmaatb *dmaatb_new(void)
{
    struct dmaatb *a = calloc(1, sizeof *a);
    pthread_rwlockattr_t at;
    if (!a)
        return NULL;
    /* Writers first: the engine holds the read lock for each copy and takes
     * it again at once for the next queued DMA. With glibc's default
     * (readers first) a detach or unregister waiting for the write lock can
     * lose every such race and wait for the whole queue, up to 128 DMAs,
     * instead of the one copy that runs. */
    pthread_rwlockattr_init(&at);
    pthread_rwlockattr_setkind_np(&at, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&a->lock, &at);
    pthread_rwlockattr_destroy(&at);
    return a;
}

/* lock held for writing */
static void reset_locked(struct dmaatb *a)
{
    if (a->open) {
        space_fini(&a->sp[0]);
        space_fini(&a->sp[1]);
    }
    free(a->ent);
    a->ent = NULL;
    a->nent = a->cap = 0;
    a->used_entries = 0;
    a->open = 0;
    /* the generation counter keeps counting: a DMA posted before a reopen
     * must not see registrations made after it */
}

int dmaatb_open(struct dmaatb *a, int dirs, int entries)
{
    int rc;
    pthread_rwlock_wrlock(&a->lock);
    reset_locked(a);
    a->dirs = a->dirs_free = dirs;
    a->entries = entries;
    rc = space_init(&a->sp[0], VEHVA_2M_BASE, VEHVA_2M_END, PG_2M, entries);
    if (rc == 0) {
        rc = space_init(&a->sp[1], VEHVA_64M_BASE, VEHVA_64M_END, PG_64M, entries);
        if (rc)
            space_fini(&a->sp[0]);
    }
    a->open = rc == 0;
    pthread_rwlock_unlock(&a->lock);
    return rc;
}

void dmaatb_close(struct dmaatb *a)
{
    if (!a)
        return;
    pthread_rwlock_wrlock(&a->lock);
    reset_locked(a);
    pthread_rwlock_unlock(&a->lock);
}

void dmaatb_free(struct dmaatb *a)
{
    if (!a)
        return;
    dmaatb_close(a);
    pthread_rwlock_destroy(&a->lock);
    free(a);
}

unsigned dmaatb_used_entries(struct dmaatb *a)
{
    pthread_rwlock_rdlock(&a->lock);
    unsigned n = a->used_entries;
    pthread_rwlock_unlock(&a->lock);
    return n;
}

/* First fit: the lowest run of n free pages whose untouched blocks can still
 * get a directory. Returns the first page or -ENOMEM. */
static int64_t space_alloc(struct dmaatb *a, struct space *s, uint32_t n)
{
    uint32_t E = (uint32_t)a->entries;
    uint32_t p = 0;
    while ((uint64_t)p + n <= s->npages) {
        uint32_t q, b, need = 0;
        for (q = p; q < p + n && !s->used[q]; q++)
            ;
        if (q < p + n) { /* page q is taken: no run can start at or before it */
            p = q + 1;
            continue;
        }
        for (b = p / E; b <= (p + n - 1) / E; b++)
            need += !s->has_dir[b];
        if ((int)need > a->dirs_free) {
            /* any later start inside block p/E needs a superset of these
             * blocks: jump to the next block */
            p = (p / E + 1) * E;
            continue;
        }
        for (b = p / E; b <= (p + n - 1) / E; b++) {
            if (!s->has_dir[b]) {
                s->has_dir[b] = 1;
                a->dirs_free--;
            }
        }
        for (q = p; q < p + n; q++) {
            s->used[q] = 1;
            s->block_used[q / E]++;
        }
        return p;
    }
    return -ENOMEM;
}

static void space_free(struct dmaatb *a, struct space *s, uint32_t p, uint32_t n)
{
    uint32_t E = (uint32_t)a->entries;
    for (uint32_t q = p; q < p + n; q++) {
        s->used[q] = 0;
        if (--s->block_used[q / E] == 0) {
            s->has_dir[q / E] = 0;
            a->dirs_free++;
        }
    }
}

static int reg_locked(struct dmaatb *a, char *host, uint64_t size, uint64_t pgsz, int kind,
                      int readonly, const struct atb_backing *back, uint64_t *vehva)
{
    unsigned idx = pgsz == PG_64M ? 1 : 0;
    struct space *s = &a->sp[idx];
    uint64_t npages = (size + pgsz - 1) / pgsz;
    int64_t p;

    if (npages == 0 || npages > s->npages)
        return -ENOMEM;
    if (a->nent == a->cap) {
        unsigned ncap = a->cap ? a->cap * 2 : 16;
        struct atb_entry *n = realloc(a->ent, ncap * sizeof *n);
        if (!n)
            return -ENOMEM;
        a->ent = n;
        a->cap = ncap;
    }
    p = space_alloc(a, s, (uint32_t)npages);
    if (p < 0)
        return (int)p;
    /* Published before the caller learns the VEHVA, so any DMA posted with
     * that VEHVA afterwards carries a generation >= this one. */
    uint64_t gen = atomic_load_explicit(&a->gen, memory_order_relaxed) + 1;
    atomic_store_explicit(&a->gen, gen, memory_order_seq_cst);
    a->ent[a->nent++] = (struct atb_entry){
        .vehva = s->base + (uint64_t)p * pgsz,
        .size = npages * pgsz,
        .host = host,
        .pgsz_idx = idx,
        .kind = kind,
        .readonly = readonly,
        .refs = 1,
        .gen = gen,
        .back = *back,
    };
    a->used_entries += (unsigned)npages;
    *vehva = s->base + (uint64_t)p * pgsz;
    return 0;
}

static int unreg_locked(struct dmaatb *a, uint64_t vehva, int kind)
{
    for (unsigned i = 0; i < a->nent; i++) {
        struct atb_entry *e = &a->ent[i];
        if (e->vehva != vehva || e->kind != kind)
            continue;
        if (e->kind == ATB_VEMEM && --e->refs > 0)
            return 0;
        struct space *s = &a->sp[e->pgsz_idx];
        uint32_t n = (uint32_t)(e->size / s->pgsz);
        space_free(a, s, (uint32_t)((e->vehva - s->base) / s->pgsz), n);
        a->used_entries -= n;
        a->ent[i] = a->ent[--a->nent];
        return 0;
    }
    return -EINVAL;
}

static char *translate_locked(struct dmaatb *a, uint64_t vehva, uint64_t size, int write,
                              uint64_t max_gen, const struct atb_entry **ent, int *exc)
{
    int in_region = (vehva >= VEHVA_2M_BASE && vehva < VEHVA_2M_END) ||
                    (vehva >= VEHVA_64M_BASE && vehva < VEHVA_64M_END) ||
                    vehva < VEHVA_4K_END;
    if (!in_region) {
        *exc = 0x2000; /* missing space: no translation space at all here */
        return NULL;
    }
    for (unsigned i = 0; i < a->nent; i++) {
        struct atb_entry *e = &a->ent[i];
        if (vehva < e->vehva || vehva - e->vehva >= e->size)
            continue;
        if (e->gen > max_gen)
            break; /* registered after the DMA was posted: not there for it */
        if (size > e->size - (vehva - e->vehva)) {
            *exc = 0x2000; /* runs past the end of the registration */
            return NULL;
        }
        if (write && e->readonly) {
            *exc = 0x8000; /* memory protection */
            return NULL;
        }
        *exc = 0;
        *ent = e;
        return e->host + (vehva - e->vehva);
    }
    *exc = 0x4000; /* missing page: no entry for this page */
    return NULL;
}

static struct atb_entry *find_host_locked(struct dmaatb *a, const char *host, uint64_t size,
                                          int kind)
{
    for (unsigned i = 0; i < a->nent; i++)
        if (a->ent[i].host == host && a->ent[i].size == size && a->ent[i].kind == kind)
            return &a->ent[i];
    return NULL;
}

int dmaatb_register(struct dmaatb *a, char *host, uint64_t size, uint64_t pgsz, int kind,
                    int readonly, const struct atb_backing *back, uint64_t *vehva)
{
    struct atb_entry *e;
    int rc = 0;
    pthread_rwlock_wrlock(&a->lock);
    if (!a->open) {
        rc = -ESHUTDOWN;
    } else if (kind == ATB_VEMEM && (e = find_host_locked(a, host, size, kind))) {
        e->refs++;
        *vehva = e->vehva;
    } else {
        rc = reg_locked(a, host, size, pgsz, kind, readonly, back, vehva);
    }
    pthread_rwlock_unlock(&a->lock);
    return rc;
}

int dmaatb_unregister(struct dmaatb *a, uint64_t vehva, int kind)
{
    pthread_rwlock_wrlock(&a->lock);
    int rc = a->open ? unreg_locked(a, vehva, kind) : -ESHUTDOWN;
    pthread_rwlock_unlock(&a->lock);
    return rc;
}

uint64_t dmaatb_generation(struct dmaatb *a)
{
    return atomic_load_explicit(&a->gen, memory_order_seq_cst);
}

static void view_of(const struct atb_entry *e, char *host, struct atb_view *v)
{
    v->host = host;
    v->kind = e->kind;
    v->back = e->back;
    v->back.off += (uint64_t)(host - e->host);
}

int dmaatb_transfer(struct dmaatb *a, uint64_t src, uint64_t dst, uint64_t size,
                    uint64_t max_gen, atb_copy_fn *copy, void *arg, int *copy_rc)
{
    const struct atb_entry *se = NULL, *de = NULL;
    int exc_src = 0x4000, exc_dst = 0x4000;
    char *from = NULL, *to = NULL;
    struct atb_view fv, tv;

    pthread_rwlock_rdlock(&a->lock);
    if (a->open) {
        from = translate_locked(a, src, size, 0, max_gen, &se, &exc_src);
        to = translate_locked(a, dst, size, 1, max_gen, &de, &exc_dst);
    }
    if (from && to) {
        view_of(se, from, &fv);
        view_of(de, to, &tv);
        *copy_rc = copy(arg, &fv, &tv, size);
    }
    pthread_rwlock_unlock(&a->lock);
    return (from ? 0 : exc_src) | (to ? 0 : exc_dst);
}

int dmaatb_access(struct dmaatb *a, uint64_t vehva, uint64_t size, int write,
                  atb_access_fn *fn, void *arg, int *fn_rc)
{
    const struct atb_entry *e = NULL;
    int exc = 0x4000;
    char *host = NULL;
    struct atb_view v;

    pthread_rwlock_rdlock(&a->lock);
    if (a->open)
        host = translate_locked(a, vehva, size, write,
                                atomic_load_explicit(&a->gen, memory_order_seq_cst), &e, &exc);
    if (host) {
        view_of(e, host, &v);
        *fn_rc = fn(arg, &v, size);
    }
    pthread_rwlock_unlock(&a->lock);
    return host ? 0 : exc;
}
