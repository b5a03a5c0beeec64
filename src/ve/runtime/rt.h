/* Private declarations of librashm-ve (the software VE's runtime). */
#ifndef RASHM_VE_RT_H
#define RASHM_VE_RT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define RASHM_VE_API __attribute__((visibility("default")))

#include "dmaatb.h"

/* ---- runtime state of the VE process ------------------------------------ */
struct dma_engine;

struct rt {
    int up;
    int closed;      /* shut down: no implicit re-init */
    int venode;
    /* the DMAATB: made at the first init and kept (closed) after a shutdown,
     * so no thread of a dying helper can hold a pointer to freed memory */
    struct dmaatb *atb;
    struct dma_engine *dma;
};

extern struct rt rashm_rt;
extern pthread_mutex_t rashm_rt_lock;   /* init/shutdown and attach list */

/* lazily brings the runtime up; 0 or -errno */
int rt_ensure(void);

/* ---- fault injection (RASHM_VE_FAULT) ----------------------------------- */
/* Returns the errno to inject at `point`, or 0. */
int rt_fault(const char *point);
int rt_fault_load(void); /* 0, or -EINVAL for a bad RASHM_VE_FAULT */

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
