/* The device process's server: one thread that serves the VE process's
 * requests from the shared area (devq.h) with the local operations
 * (local.c). Every value read from the area is copied out once and then
 * validated here; the area is only written with results.
 *
 * The thread waits for the area's bell: it spins for the configured spin
 * time (so a VE thread issuing DMAs back to back never pays a futex
 * wake-up), then sleeps on the futex in bounded slices. Each pass bumps
 * the area's heartbeat. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "devq.h"
#include "rt.h"
#include "vedma.h"
#include "wait.h"

static struct devq *served_q; /* the area, in the device process */
/* The sequence number of each slot's last served request: ours, since what
 * the area says is not trusted. Taken in server_start, before the area is
 * announced ready: the VE process sends nothing before that, so every
 * request it sends is new to this snapshot. (Taken at the start of the
 * server thread instead, a thread the scheduler started late missed a
 * request sent meanwhile: it counted it as served, and the VE thread
 * waited for its answer for ever.) */
static uint32_t served[DQ_NREQ];
static pthread_t server_thr;
static _Atomic int stop_flag;
static int server_running;

/* One request: op and arguments copied out of the area, then checked. */
static void serve(struct dq_req *r, uint32_t seq)
{
    uint32_t op = atomic_load_explicit((_Atomic uint32_t *)&r->op, memory_order_relaxed);
    uint64_t a[3], out[4] = {0, 0, 0, 0};
    unsigned char data[DQ_DATA];
    const struct rt_ops *o = &rt_local_ops;
    int64_t rc;
    memcpy(a, (const void *)r->a, sizeof a);

    switch (op) {
    case DQ_SHMGET:
        rc = o->shmget((int64_t)a[0], a[1], (int64_t)a[2]);
        break;
    case DQ_SHMAT:
        rc = o->shmat((int64_t)a[0], a[1], (int64_t)a[2], &out[0], &out[1]);
        break;
    case DQ_SHMDT:
        rc = o->shmdt(a[0]);
        break;
    case DQ_DMA_POST: {
        /* no pointer into the VE process is kept: the VE side keeps its
         * handles and gets the slot's previous status to write back */
        int index, old = -1;
        rc = rt_ensure();
        /* a small one is done before the answer when the engine is idle:
         * cheaper than waking the engine, and still in ring order */
        if (!rc && a[2] <= DQ_INLINE_MAX) {
            rc = dma_run_now(rashm_rt.dma, a[0], a[1], (int64_t)a[2], &index, &old);
            if (rc >= 0)
                rc = 0;
        } else if (!rc) {
            rc = -EAGAIN;
        }
        if (rc == -EAGAIN)
            rc = dma_post(rashm_rt.dma, a[0], a[1], (int64_t)a[2], NULL, 0, 0, &index, &old);
        if (!rc) {
            rc = index;
            out[0] = (uint64_t)(int64_t)old;
        }
        break;
    }
    case DQ_DMA_POST_WAIT:
        rc = o->dma_post_wait(a[0], a[1], (int64_t)a[2]);
        break;
    case DQ_REGISTER:
        rc = o->reg(a[0], a[1], &out[0]);
        break;
    case DQ_UNREGISTER:
        rc = o->unreg(a[0]);
        break;
    case DQ_READ_REGS:
        rc = o->read_regs(out);
        break;
    case DQ_VEHVA_READ:
    case DQ_VEHVA_WRITE:
        if (a[1] > DQ_DATA) {
            rc = -EINVAL;
            break;
        }
        if (op == DQ_VEHVA_WRITE)
            memcpy(data, (const void *)r->data, (size_t)a[1]);
        rc = o->vehva_access(a[0], data, a[1], op == DQ_VEHVA_WRITE);
        if (op == DQ_VEHVA_READ && rc == 0)
            memcpy(r->data, data, (size_t)a[1]);
        break;
    default:
        rc = -ENOSYS;
        break;
    }
    r->rc = rc;
    memcpy(r->out, out, sizeof out);
    /* seq_cst, not release: the store must be visible before waiting is
     * read (the waiter sets waiting, then reads done; a release store may
     * pass the load, and both sides would miss the other until the
     * waiter's sleep slice ends) */
    atomic_store_explicit(&r->done, seq, memory_order_seq_cst);
    if (atomic_load_explicit(&r->waiting, memory_order_seq_cst))
        rcom_wake(&r->done, INT_MAX, RCOM_WAIT_SHARED);
}

static int stop_requested(void *arg)
{
    (void)arg;
    return atomic_load(&stop_flag);
}

static void *server_main(void *arg)
{
    struct devq *q = arg;
    int late_ms = rt_fault("server_late"); /* tests: a thread started late */
    if (late_ms > 0) {
        struct timespec ts = {late_ms / 1000, (long)(late_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    struct rcom_wait w = {
        .spin_ns = q->spin_ns,
        .scope = RCOM_WAIT_SHARED,
        .stop = stop_requested,
        .sleeping = &q->server_sleeping,
    };
    while (!atomic_load(&stop_flag)) {
        uint32_t bell = atomic_load_explicit(&q->bell, memory_order_seq_cst);
        int any = 0;
        for (int i = 0; i < DQ_NREQ; i++) {
            uint32_t s = atomic_load_explicit(&q->req[i].seq, memory_order_acquire);
            if (s != served[i]) {
                served[i] = s;
                serve(&q->req[i], s);
                any = 1;
            }
        }
        atomic_fetch_add_explicit(&q->heartbeat, 1, memory_order_relaxed);
        if (!any)
            rcom_wait_change(&q->bell, bell, &w);
    }
    return NULL;
}

int server_start(struct devq *q)
{
    sigset_t all, old;
    int rc;
    served_q = q;
    for (int i = 0; i < DQ_NREQ; i++)
        served[i] = atomic_load(&q->req[i].seq);
    dma_mirror_to(q);
    atomic_store(&stop_flag, 0);
    sigfillset(&all);
    sigdelset(&all, SIGSEGV);
    sigdelset(&all, SIGBUS);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    rc = pthread_create(&server_thr, NULL, server_main, q);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc)
        return -rc;
    pthread_setname_np(server_thr, "ve-dev-server");
    server_running = 1;
    return 0;
}

void server_stop(void)
{
    if (!server_running)
        return;
    atomic_store(&stop_flag, 1);
    atomic_fetch_add(&served_q->bell, 1);
    rcom_wake(&served_q->bell, INT_MAX, RCOM_WAIT_SHARED);
    pthread_join(server_thr, NULL);
    server_running = 0;
}
