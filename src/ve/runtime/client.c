/* The VE process's side of the split software VE: every operation is a
 * request to the device process through the shared area (devq.h), which
 * owns the DMAATB, the DMA engine and the VH-VE SHM attachments. Nothing
 * here is trusted by the device; what the device writes is trusted here.
 *
 * VE threads hash onto the area's request slots (a thread keeps its slot);
 * a lock per slot, in this process's private memory, serialises threads
 * that share one. Waiting spins for the device's spin time, then sleeps on
 * the slot's futex in bounded slices. If the device process dies, this
 * process is killed with it (PR_SET_PDEATHSIG), so no wait outlives it. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "devq.h"
#include "rt.h"
#include "vedma.h"
#include "wait.h"

static pthread_mutex_t slot_lock[DQ_NREQ] = {[0 ... DQ_NREQ - 1] = PTHREAD_MUTEX_INITIALIZER};
static _Atomic unsigned next_slot;
static __thread int my_slot = -1;

/* ve_dma_post's handles, by descriptor (NEC writes a handle's status when
 * its slot is reused); post_lock orders posts and this table */
static pthread_mutex_t post_lock = PTHREAD_MUTEX_INITIALIZER;
static ve_dma_handle_t *owner[VE_DMA_NDESC];

static uint64_t spin_ns(void)
{
    uint32_t s = rashm_rt.dq->spin_ns;
    return s > 1000000u ? 1000000u : s; /* the area is ours to scribble */
}

/* One request: op with a[0..3]; in/out data of n bytes (n <= DQ_DATA).
 * Returns the device's rc; out[] when not NULL. */
static int64_t call(uint32_t op, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t out[4],
                    void *data, size_t n, int data_in)
{
    struct devq *q = rashm_rt.dq;
    if (my_slot < 0)
        my_slot = (int)(atomic_fetch_add(&next_slot, 1) % DQ_NREQ);
    int i = my_slot;
    struct dq_req *r = &q->req[i];
    int64_t rc;
    if (n > DQ_DATA)
        return -EINVAL;
    pthread_mutex_lock(&slot_lock[i]);
    r->op = op;
    r->a[0] = a0;
    r->a[1] = a1;
    r->a[2] = a2;
    r->a[3] = 0;
    if (data_in && n)
        memcpy(r->data, data, n);
    uint32_t seq = atomic_load_explicit(&r->seq, memory_order_relaxed) + 1;
    atomic_store_explicit(&r->done, seq - 1, memory_order_relaxed);
    atomic_store_explicit(&r->seq, seq, memory_order_release);
    atomic_fetch_add_explicit(&q->bell, 1, memory_order_seq_cst);
    if (atomic_load_explicit(&q->server_sleeping, memory_order_seq_cst))
        rcom_wake(&q->bell, 1, RCOM_WAIT_SHARED);
    struct rcom_wait w = {
        .spin_ns = spin_ns(),
        .scope = RCOM_WAIT_SHARED,
        .sleeping = &r->waiting,
    };
    for (;;) {
        uint32_t d = atomic_load_explicit(&r->done, memory_order_acquire);
        if (d == seq)
            break;
        rcom_wait_change(&r->done, d, &w);
    }
    rc = r->rc;
    if (out)
        memcpy(out, r->out, sizeof r->out);
    if (!data_in && n)
        memcpy(data, r->data, n);
    pthread_mutex_unlock(&slot_lock[i]);
    return rc;
}

static int64_t c_shmget(int64_t key, uint64_t size, int64_t flag)
{
    return call(DQ_SHMGET, (uint64_t)key, size, (uint64_t)flag, NULL, NULL, 0, 0);
}

static int64_t c_shmat(int64_t id, uint64_t addr, int64_t flag, uint64_t *addr_out,
                       uint64_t *vehva_out)
{
    uint64_t out[4];
    int64_t rc = call(DQ_SHMAT, (uint64_t)id, addr, (uint64_t)flag, out, NULL, 0, 0);
    if (rc >= 0) {
        *addr_out = out[0];
        *vehva_out = out[1];
    }
    return rc;
}

static int64_t c_shmdt(uint64_t addr)
{
    return call(DQ_SHMDT, addr, 0, 0, NULL, NULL, 0, 0);
}

static int64_t c_dma_post(uint64_t dst, uint64_t src, int64_t size, void *handle)
{
    ve_dma_handle_t *h = handle;
    uint64_t out[4];
    pthread_mutex_lock(&post_lock);
    int64_t rc = call(DQ_DMA_POST, dst, src, (uint64_t)size, out, NULL, 0, 0);
    if (rc >= 0 && rc < VE_DMA_NDESC) {
        ve_dma_handle_t *old = owner[rc];
        int old_status = (int)out[0];
        /* NEC: the old handle learns its result now, if it still looks
         * like that handle (one gone out of scope is not written) */
        if (old && old_status != -1 && old->index == (int)rc &&
            __atomic_load_n(&old->status, __ATOMIC_RELAXED) == -1)
            __atomic_store_n(&old->status, old_status, __ATOMIC_RELEASE);
        owner[rc] = h;
        if (h) {
            h->status = -1;
            h->index = (int)rc;
        }
    } else if (rc >= 0) {
        rc = -EIO; /* not an index the device hands out */
    }
    pthread_mutex_unlock(&post_lock);
    return rc;
}

static int64_t c_dma_post_wait(uint64_t dst, uint64_t src, int64_t size)
{
    return call(DQ_DMA_POST_WAIT, dst, src, (uint64_t)size, NULL, NULL, 0, 0);
}

static int64_t c_reg(uint64_t vemva, uint64_t size, uint64_t *vehva)
{
    uint64_t out[4];
    int64_t rc = call(DQ_REGISTER, vemva, size, 0, out, NULL, 0, 0);
    if (rc >= 0)
        *vehva = out[0];
    return rc;
}

static int64_t c_unreg(uint64_t vehva)
{
    return call(DQ_UNREGISTER, vehva, 0, 0, NULL, NULL, 0, 0);
}

static int64_t c_read_regs(uint64_t regs[4])
{
    return call(DQ_READ_REGS, 0, 0, 0, regs, NULL, 0, 0);
}

static int64_t c_vehva_access(uint64_t vehva, void *buf, uint64_t n, int write)
{
    while (n) {
        uint64_t c = n < DQ_DATA ? n : DQ_DATA;
        int64_t rc = call(write ? DQ_VEHVA_WRITE : DQ_VEHVA_READ, vehva, c, 0, NULL, buf,
                          (size_t)c, write);
        if (rc)
            return rc;
        vehva += c;
        buf = (char *)buf + c;
        n -= c;
    }
    return 0;
}

/* A descriptor's state as the device published it. */
static int c_slot_poll(int index)
{
    if (index < 0 || index >= VE_DMA_NDESC)
        return -EINVAL;
    const struct dq_desc *d = &rashm_rt.dq->desc[index];
    switch (atomic_load_explicit(&d->state, memory_order_acquire)) {
    case DQ_DONE:
        return d->exc;
    case DQ_FREE:
        return -EINVAL;
    default:
        return -EAGAIN;
    }
}

static int poll_h(int index, const ve_dma_handle_t *h)
{
    if (h) {
        int st = __atomic_load_n(&h->status, __ATOMIC_ACQUIRE);
        if (st != -1)
            return st;
    }
    return c_slot_poll(index);
}

static int c_slot_wait(int index, const void *handle)
{
    struct devq *q = rashm_rt.dq;
    struct rcom_wait w = {
        .spin_ns = spin_ns(),
        .scope = RCOM_WAIT_SHARED,
        .sleep_slice_ns = 10u * 1000 * 1000,
    };
    if (index < 0 || index >= VE_DMA_NDESC)
        return -EINVAL;
    for (;;) {
        uint32_t seq = atomic_load_explicit(&q->dma_done, memory_order_acquire);
        int r = poll_h(index, handle);
        if (r != -EAGAIN)
            return r;
        atomic_fetch_add(&q->dma_waiters, 1);
        rcom_wait_change(&q->dma_done, seq, &w);
        atomic_fetch_sub(&q->dma_waiters, 1);
    }
}

const struct rt_ops rt_client_ops = {
    .shmget = c_shmget,
    .shmat = c_shmat,
    .shmdt = c_shmdt,
    .dma_post = c_dma_post,
    .dma_post_wait = c_dma_post_wait,
    .reg = c_reg,
    .unreg = c_unreg,
    .read_regs = c_read_regs,
    .vehva_access = c_vehva_access,
    .slot_poll = c_slot_poll,
    .slot_wait = c_slot_wait,
};
