/* Private declarations of librashm-ve (the software VE's runtime). */
#ifndef RASHM_VE_RT_H
#define RASHM_VE_RT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define RASHM_VE_API __attribute__((visibility("default")))

/* ---- VEHVA layout of a VE1 card (reference veo.md §3) ------------------- */
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

enum atb_kind { ATB_VHSHM = 1, ATB_VEMEM = 2 };

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
};

/* One DMAATB registration: VEHVA range -> host range of this process. */
struct atb_entry {
    uint64_t vehva;
    uint64_t size;
    char *host;
    unsigned pgsz_idx;   /* 0: 2 MiB, 1: 64 MiB */
    int kind;
    int readonly;
    unsigned refs;       /* ATB_VEMEM: registrations of the same (vemva,size) */
    uint64_t gen;        /* registration generation (1, 2, ...; never reused) */
    struct atb_backing back;
};

/* The registration interface of a DMA-capable device. The software VE's
 * DMAATB is one implementation; a GPU backend is meant to be a second. */
struct rashm_dev_ops {
    const char *name;
    /* register host [host, host+size) with page size pgsz; 0 + *vehva or -errno */
    int (*reg)(void *dev, char *host, uint64_t size, uint64_t pgsz, int kind,
               int readonly, const struct atb_backing *back, uint64_t *vehva);
    /* drop the registration starting at vehva (of the given kind); 0 or -errno */
    int (*unreg)(void *dev, uint64_t vehva, int kind);
    /* translate [vehva, vehva+size) for a read or write, through a
     * registration of generation <= max_gen only (a DMA is tagged with the
     * generation current when it was posted: a registration made later, even
     * at the same VEHVA, does not exist for it); host pointer and *ent, or
     * NULL with *exc = exception bits */
    char *(*translate)(void *dev, uint64_t vehva, uint64_t size, int write, uint64_t max_gen,
                       const struct atb_entry **ent, int *exc);
    /* generation of the latest registration (0: none yet); safe to call
     * without the DMAATB lock */
    uint64_t (*generation)(void *dev);
    /* find the registration of exactly (host, size, kind) (for ref counting) */
    struct atb_entry *(*find_host)(void *dev, const char *host, uint64_t size, int kind);
};

struct dmaatb;
extern const struct rashm_dev_ops rashm_ve_dmaatb_ops;
int dmaatb_create(struct dmaatb **out, int dirs, int entries);
void dmaatb_destroy(struct dmaatb *atb);
unsigned dmaatb_used_entries(struct dmaatb *atb);

/* ---- runtime state of the VE process ------------------------------------ */
struct dma_engine;

struct rt {
    int up;
    int closed;      /* shut down: no implicit re-init */
    int venode;
    /* the DMAATB: writers (register/unregister) exclude the engine */
    pthread_rwlock_t atb_lock;
    struct dmaatb *atb;
    const struct rashm_dev_ops *ops;
    struct dma_engine *dma;
};

extern struct rt rashm_rt;
extern pthread_mutex_t rashm_rt_lock;   /* init/shutdown and attach list */

/* lazily brings the runtime up; 0 or -errno */
int rt_ensure(void);

/* ---- fault injection (RASHM_VE_FAULT) ----------------------------------- */
/* Returns the errno to inject at `point`, or 0. */
int rt_fault(const char *point);
void rt_fault_load(void);

/* ---- DMA engine ---------------------------------------------------------- */
int dma_engine_start(struct dma_engine **out);
void dma_engine_stop(struct dma_engine *e);
void dma_engine_free(struct dma_engine *e);
/* record: store the handle pointer for NEC's write-back on slot reuse.
 * hold: keep the slot from being reused until dma_release() (post_wait). */
int dma_post(struct dma_engine *e, uint64_t dst, uint64_t src, int64_t size,
             void *handle, int record, int hold, int *index);
int dma_slot_poll(struct dma_engine *e, int index);
int dma_slot_wait(struct dma_engine *e, int index, const void *handle);
void dma_release(struct dma_engine *e, int index);
int dma_post_wait(struct dma_engine *e, uint64_t dst, uint64_t src, int64_t size);
void dma_read_regs(struct dma_engine *e, uint64_t regs[4]);
/* waits until the engine finished every descriptor posted so far */
void dma_drain(struct dma_engine *e);

/* ---- VH-VE SHM (vhshm.c) ------------------------------------------------ */
int vhshm_get(int64_t key, uint64_t size, int64_t flag);        /* id or -errno */
int vhshm_at(int64_t shmid, uint64_t shmaddr, int64_t flag, void **addr, uint64_t *vehva);
int vhshm_dt(uint64_t shmaddr);
void vhshm_detach_all(void);

/* ---- VE memory registration (vemem.c) ----------------------------------- */
int vemem_register(uint64_t vemva, uint64_t size, uint64_t *vehva);
int vemem_unregister(uint64_t vehva);

#endif
