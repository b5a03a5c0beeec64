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
 * Callers serialise: this file has no locking of its own, except for the
 * generation counter, which DMA posters read without the lock.
 *
 * Generations: first fit hands a freed VEHVA out again at once, so a DMA
 * queued for a segment that was detached meanwhile would land in whatever
 * was attached next at the same VEHVA. Every registration gets the next
 * generation number; a DMA carries the generation current when it was
 * posted, and translation ignores entries newer than that (missing page).
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "rt.h"

struct space {
    uint64_t base, end, pgsz;
    uint32_t npages;
    uint32_t nblocks;
    uint8_t *used;         /* per page: 1 when an entry maps it */
    uint8_t *has_dir;      /* per block: 1 when a directory serves it */
    uint32_t *block_used;  /* per block: pages in use */
};

struct dmaatb {
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

int dmaatb_create(struct dmaatb **out, int dirs, int entries)
{
    struct dmaatb *a = calloc(1, sizeof *a);
    int rc;
    if (!a)
        return -ENOMEM;
    a->dirs = a->dirs_free = dirs;
    a->entries = entries;
    rc = space_init(&a->sp[0], VEHVA_2M_BASE, VEHVA_2M_END, PG_2M, entries);
    if (rc)
        goto free_atb;
    rc = space_init(&a->sp[1], VEHVA_64M_BASE, VEHVA_64M_END, PG_64M, entries);
    if (rc)
        goto fini_2m;
    *out = a;
    return 0;
fini_2m:
    space_fini(&a->sp[0]);
free_atb:
    free(a);
    return rc;
}

void dmaatb_destroy(struct dmaatb *a)
{
    if (!a)
        return;
    space_fini(&a->sp[0]);
    space_fini(&a->sp[1]);
    free(a->ent);
    free(a);
}

unsigned dmaatb_used_entries(struct dmaatb *a)
{
    return a->used_entries;
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

static int atb_reg(void *dev, char *host, uint64_t size, uint64_t pgsz, int kind,
                   int readonly, const struct atb_backing *back, uint64_t *vehva)
{
    struct dmaatb *a = dev;
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

static int atb_unreg(void *dev, uint64_t vehva, int kind)
{
    struct dmaatb *a = dev;
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

static char *atb_translate(void *dev, uint64_t vehva, uint64_t size, int write, uint64_t max_gen,
                           const struct atb_entry **ent, int *exc)
{
    struct dmaatb *a = dev;
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

static struct atb_entry *atb_find_host(void *dev, const char *host, uint64_t size, int kind)
{
    struct dmaatb *a = dev;
    for (unsigned i = 0; i < a->nent; i++)
        if (a->ent[i].host == host && a->ent[i].size == size && a->ent[i].kind == kind)
            return &a->ent[i];
    return NULL;
}

static uint64_t atb_generation(void *dev)
{
    struct dmaatb *a = dev;
    return atomic_load_explicit(&a->gen, memory_order_seq_cst);
}

const struct rashm_dev_ops rashm_ve_dmaatb_ops = {
    .name = "ve1-dmaatb",
    .reg = atb_reg,
    .unreg = atb_unreg,
    .translate = atb_translate,
    .find_host = atb_find_host,
    .generation = atb_generation,
};
