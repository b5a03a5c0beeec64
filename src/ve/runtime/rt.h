/* Private declarations of librashm-ve (the software VE's runtime). */
#ifndef RASHM_VE_RT_H
#define RASHM_VE_RT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define RASHM_VE_API __attribute__((visibility("default")))

#include "dmaatb.h"

/* ---- runtime state of the VE process ------------------------------------ */
struct dma_engine;

struct devq;

struct rt {
    int up;
    int closed;      /* shut down: no implicit re-init */
    int venode;
    /* Split software VE (src/ve/helper/device.c): in the VE process `client`
     * is set and every call is a request to the device process through
     * `dq`; in the device process `served` is the same area, `target` the
     * VE process (whose address space registrations outside VE memory
     * name, reached with process_vm_*), and [vemem_base, +vemem_size) the
     * VE memory both processes map from the memfd (vemem_dev, vemem_ino).
     * In-process use (tests, no helper) has none of it: target 0 = self. */
    int client;
    struct devq *dq;
    pid_t target;
    uint64_t vemem_base, vemem_size, vemem_dev, vemem_ino;
    /* the DMAATB: made at the first init and kept (closed) after a shutdown,
     * so no thread of a dying helper can hold a pointer to freed memory */
    struct dmaatb *atb;
    struct dma_engine *dma;
};

extern struct rt rashm_rt;
extern pthread_mutex_t rashm_rt_lock;   /* init/shutdown and attach list */

/* lazily brings the runtime up; 0 or -errno */
int rt_ensure(void);
/* rashm_ve_runtime_shutdown's work once the server is stopped */
void rt_shutdown(void);

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
/* old_status (may be NULL): the exception bits of the DMA that used the
 * slot before (-1: none finished there), for a handle kept elsewhere */
int dma_post(struct dma_engine *e, uint64_t dst, uint64_t src, int64_t size,
             void *handle, int record, int hold, int *index, int *old_status);
/* Runs the DMA in the calling thread when the engine is idle with nothing
 * queued (keeping the ring's order); else -EAGAIN and nothing done. */
int dma_run_now(struct dma_engine *e, uint64_t dst, uint64_t src, int64_t size, int *index,
                int *old_status);
int dma_slot_poll(struct dma_engine *e, int index);
int dma_slot_wait(struct dma_engine *e, int index, const void *handle);
void dma_release(struct dma_engine *e, int index);
int dma_post_wait(struct dma_engine *e, uint64_t dst, uint64_t src, int64_t size);
void dma_read_regs(struct dma_engine *e, uint64_t regs[4]);
/* n bytes between buf and a translated view (loads and stores, or
 * process_vm_* for a view in the VE process), guarded against faults:
 * 0 or -EFAULT */
int dma_view_io(const struct atb_view *v, void *buf, uint64_t n, int write);
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

/* ---- the operations, done here (local.c) or by the device process
 * (client.c); api.c and rpc.c pick one by rashm_rt.client. Each returns
 * >= 0 or -errno, as the RPCs of the contract. ---------------------------- */
struct rt_ops {
    int64_t (*shmget)(int64_t key, uint64_t size, int64_t flag);
    int64_t (*shmat)(int64_t id, uint64_t addr, int64_t flag, uint64_t *addr_out,
                     uint64_t *vehva_out);
    int64_t (*shmdt)(uint64_t addr);
    /* index; handle (may be NULL) as ve_dma_post's: filled, and given its
     * status when its slot is reused */
    int64_t (*dma_post)(uint64_t dst, uint64_t src, int64_t size, void *handle);
    int64_t (*dma_post_wait)(uint64_t dst, uint64_t src, int64_t size);
    int64_t (*reg)(uint64_t vemva, uint64_t size, uint64_t *vehva);
    int64_t (*unreg)(uint64_t vehva);
    int64_t (*read_regs)(uint64_t regs[4]);
    /* 0, exception bits (> 0) or -errno */
    int64_t (*vehva_access)(uint64_t vehva, void *buf, uint64_t n, int write);
    /* descriptor `index`: 0 / exception bits when done, -EAGAIN, -EINVAL */
    int (*slot_poll)(int index);
    int (*slot_wait)(int index, const void *handle);
};
extern const struct rt_ops rt_local_ops, rt_client_ops;
static inline const struct rt_ops *rt_ops(void)
{
    return rashm_rt.client ? &rt_client_ops : &rt_local_ops;
}

/* ---- the device process's server (server.c) ------------------------------ */
int server_start(struct devq *q);
void server_stop(void);
/* dma.c: from now on, descriptor states are mirrored into q */
void dma_mirror_to(struct devq *q);

#endif
