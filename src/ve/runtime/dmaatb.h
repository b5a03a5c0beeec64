/* The software VE's DMAATB as a closed module: an opaque table with its own
 * locking. Callers never see its entries; they register and unregister
 * ranges, read the generation counter, and run one transfer at a time over
 * two translated views while the table guarantees that neither registration
 * goes away under the copy. */
#ifndef RASHM_VE_DMAATB_H
#define RASHM_VE_DMAATB_H

#include <stdint.h>

/* VEHVA layout of a VE1 card (reference veo.md §3) */
#define VEHVA_4K_BASE  0x0ULL
#define VEHVA_4K_END   0x4000000ULL          /* 0x0 .. 0x3ff_ffff */
#define VEHVA_2M_BASE  0x8800000000ULL        /* 0x88_0000_0000 .. 0x8f_ffff_ffff */
#define VEHVA_2M_END   0x9000000000ULL
#define VEHVA_64M_BASE 0x70000000000ULL       /* 0x700_0000_0000 .. 0x7ff_ffff_ffff */
#define VEHVA_64M_END  0x80000000000ULL

#define PG_2M  (2ULL << 20)
#define PG_64M (64ULL << 20)

#define ATB_DEFAULT_DIRS    56   /* VE10: 64 directories - 8 per-core ones */
#define ATB_DEFAULT_ENTRIES 256

/* ATB_VESHM: another VE process's memory (VE-VE shared memory attached
 * with VE_REGISTER_VEHVA), mapped into this process by the runtime */
enum atb_kind { ATB_VHSHM = 1, ATB_VEMEM = 2, ATB_VESHM = 3 };

/* What memory a registration's host range is a view of. Two registrations
 * can be two views of the same pages (one segment attached twice, or a
 * segment attached once by vh_shmat and once by VE code and registered as
 * VE memory): a copy between them must be ordered by their position in the
 * backing object, not by their virtual addresses.
 *   dev, ino: the shared object (SysV segment, memfd, file) the range maps,
 *             off: the object offset of the range's first byte;
 *   dev = ino = 0: memory private to this process (anonymous or a private
 *             file mapping): its identity is its address, off = the address. */
struct atb_backing {
    uint64_t dev, ino, off;
    /* 1: the host range is an address range of the VE process, not of this
     * one (a device process registering memory VE code mapped itself) */
    uint64_t remote;
};

/* One side of a transfer: where it starts in this process, what kind of
 * registration it went through, and the backing of its first byte. A copy
 * of the table's data, valid only inside the transfer callback. */
struct atb_view {
    char *host;
    int kind;
    struct atb_backing back;
};

struct dmaatb;

/* A closed table (every call but dmaatb_open fails with -ESHUTDOWN);
 * NULL when out of memory. */
struct dmaatb *dmaatb_new(void);
void dmaatb_free(struct dmaatb *a);
/* (Re)opens an empty table of `dirs` directories of `entries` pages each;
 * 0 or -errno. */
int dmaatb_open(struct dmaatb *a, int dirs, int entries);
/* Drops every registration and closes the table (no transfer runs after it
 * returns). */
void dmaatb_close(struct dmaatb *a);

/* Registers host [host, host+size) with page size pgsz (PG_2M or PG_64M).
 * An ATB_VEMEM registration of exactly the same range as an existing one
 * takes a reference on it and returns its VEHVA (AVEO counts them).
 * 0 + *vehva, -ENOMEM (no pages or directories left), -ESHUTDOWN. */
int dmaatb_register(struct dmaatb *a, char *host, uint64_t size, uint64_t pgsz, int kind,
                    int readonly, const struct atb_backing *back, uint64_t *vehva);
/* Drops one reference to the registration of `kind` starting at vehva;
 * 0, -EINVAL (none), -ESHUTDOWN. */
int dmaatb_unregister(struct dmaatb *a, uint64_t vehva, int kind);

/* Generation of the latest registration (0: none yet). Lock-free: DMA
 * posters tag each descriptor with it. */
uint64_t dmaatb_generation(struct dmaatb *a);
unsigned dmaatb_used_entries(struct dmaatb *a);

/* Translates src for reading and dst for writing, size bytes each, through
 * registrations of generation <= max_gen only (a DMA is tagged with the
 * generation current when it was posted: a registration made later, even
 * at the same VEHVA, does not exist for it). When both translate, calls
 * copy(arg, from, to, size) under the table's read lock, so no registration
 * can be dropped (and its memory unmapped by the caller) during the copy,
 * and stores its result in *copy_rc. Returns 0, or the exception bits of
 * the translations that failed (copy not called). */
typedef int atb_copy_fn(void *arg, const struct atb_view *from, const struct atb_view *to,
                        uint64_t size);
int dmaatb_transfer(struct dmaatb *a, uint64_t src, uint64_t dst, uint64_t size,
                    uint64_t max_gen, atb_copy_fn *copy, void *arg, int *copy_rc);

/* One side only: translates vehva (for writing if `write`) through the
 * current registrations and calls fn(arg, view, size) under the read lock.
 * Returns 0 (and *fn_rc) or the exception bits. */
typedef int atb_access_fn(void *arg, const struct atb_view *v, uint64_t size);
int dmaatb_access(struct dmaatb *a, uint64_t vehva, uint64_t size, int write,
                  atb_access_fn *fn, void *arg, int *fn_rc);

#endif
