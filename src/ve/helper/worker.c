/* Worker threads: one per open context, each the VE side of one request
 * ring (protocol in src/proto/rve_proto.h). A worker waits (ring.c) on
 * the ring's submit counter, executes each slot in order, publishes its
 * completion and wakes VH waiters; a VH-kind slot is handed back to the VH
 * and waited for, so that the queue order holds. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "helper.h"
#include "ve_runtime.h"

struct worker {
    pthread_t thread;
    int idx;
    int running;
    struct rve_ring *ring;
};
static struct worker workers[RVE_MAX_CTX];

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct rve_ring *r = w->ring;
    stack_t ss;
    uint32_t seq = atomic_load(&r->done_seq);

    /* The fault handler runs on an alternate stack: a stack overflow in VE
     * code must still be reported. */
    ss.ss_size = 64 * 1024;
    ss.ss_sp = malloc(ss.ss_size);
    ss.ss_flags = 0;
    if (ss.ss_sp)
        sigaltstack(&ss, NULL);
    if (have_node_cpus)
        pthread_setaffinity_np(pthread_self(), sizeof node_cpus, &node_cpus);
    tl_ring = r;
    rashm_ve_runtime_history(&r->hist);

    for (;;) {
        /* Counters wrap: "ahead" is a signed difference. Our count may be
         * ahead of submit_seq (below), so wait for submit_seq to move from
         * what it is, not from our count. */
        uint32_t sub = atomic_load_explicit(&r->submit_seq, memory_order_acquire);
        if ((int32_t)(sub - seq) <= 0) {
            if (atomic_load(&r->stop))
                break;
            wait_change(r, &r->submit_seq, sub, &r->worker_sleeping);
            continue;
        }
        /* The VH counted requests it ran at submission as finished (only
         * while we had nothing left to do, so done_seq is never ahead of
         * us otherwise) without publishing them to us: step over them to
         * done_seq. Our count may then be ahead of submit_seq: the check
         * above waits for the next request published. */
        uint32_t d = atomic_load_explicit(&r->done_seq, memory_order_acquire);
        if ((int32_t)(d - seq) > 0) {
            seq = d;
            continue;
        }
        struct rve_slot *s = &r->slots[seq % RVE_NSLOT];
        if (s->kind == RVE_REQ_CALL) {
            tl_slot = s;
            do_call(s);
            tl_slot = NULL;
        } else if (s->kind == RVE_REQ_WRITE || s->kind == RVE_REQ_READ) {
            do_copy(s, s->kind == RVE_REQ_WRITE);
        } else if (s->kind == RVE_REQ_NOTE) {
            s->status = RVE_CMD_OK; /* the VH did the work */
        } else if (s->kind == RVE_REQ_VH) {
            /* The VH does this one; we only keep the queue order. A VH
             * thread that submitted it when it was next in order has run it
             * already (RVE_SLOT_VH_DONE): then there is nobody to tell. */
            uint32_t idle = RVE_SLOT_IDLE;
            if (atomic_compare_exchange_strong_explicit(&s->state, &idle, RVE_SLOT_VH_WAIT,
                                                        memory_order_seq_cst,
                                                        memory_order_acquire)) {
                atomic_fetch_add_explicit(&r->ev, 1, memory_order_seq_cst);
                if (atomic_load_explicit(&r->vh_waiters, memory_order_seq_cst))
                    futex(&r->ev, FUTEX_WAKE, INT_MAX, NULL);
            }
            for (;;) {
                uint32_t st = atomic_load_explicit(&s->state, memory_order_acquire);
                if (st == RVE_SLOT_VH_DONE || atomic_load(&r->stop))
                    break;
                /* worker_sleeping tells the VH whether to call FUTEX_WAKE */
                wait_change(r, &s->state, st, &r->worker_sleeping);
            }
            atomic_store_explicit(&s->state, RVE_SLOT_IDLE, memory_order_relaxed);
        } else {
            s->status = RVE_CMD_ERROR;
        }
        /* the request's entry in the context's history, as the VH asked
         * (rve_proto.h), before it counts as done: the VH writes entries
         * itself only once it sees everything done */
        switch (s->hist) {
        case RVE_HIST_RETVAL: rve_hist_push(&r->hist, s->retval, 0); break;
        case RVE_HIST_VALUE: rve_hist_push(&r->hist, s->hist_val, 0); break;
        case RVE_HIST_EMPTY: rve_hist_push(&r->hist, 0, 1); break;
        default: break;
        }
        seq++;
        publish_done(r, seq);
    }
    if (ss.ss_sp) {
        stack_t off = {.ss_flags = SS_DISABLE};
        sigaltstack(&off, NULL);
        free(ss.ss_sp);
    }
    return NULL;
}

int ctx_open(int idx, size_t stacksize)
{
    pthread_attr_t attr;
    int rc;
    if (idx < 0 || idx >= RVE_MAX_CTX || workers[idx].running)
        return -EINVAL;
    struct worker *w = &workers[idx];
    w->idx = idx;
    w->ring = rve_ring_at(shm, idx);
    atomic_store(&w->ring->stop, 0);
    atomic_store(&w->ring->state, RVE_CTX_RUNNING);
    pthread_attr_init(&attr);
    if (stacksize && (rc = pthread_attr_setstacksize(&attr, stacksize)) != 0) {
        pthread_attr_destroy(&attr);
        return -rc;
    }
    /* A new context's history starts empty (the index may have served a
     * closed context) but for what AVEO's VE side sends first on a new
     * channel: its stack pointer, here the top of the worker's stack. No
     * request can reach the worker before the VH hears of this open, so
     * the history is ours to write until then. */
    atomic_store(&w->ring->hist.count, 0);
    rc = pthread_create(&w->thread, &attr, worker_main, w);
    pthread_attr_destroy(&attr);
    if (rc) {
        atomic_store(&w->ring->state, RVE_CTX_FREE);
        return -rc;
    }
    uint64_t sp = 0;
    pthread_attr_t got;
    if (pthread_getattr_np(w->thread, &got) == 0) {
        void *base = NULL;
        size_t size = 0;
        if (pthread_attr_getstack(&got, &base, &size) == 0)
            sp = (uint64_t)(uintptr_t)base + size;
        pthread_attr_destroy(&got);
    }
    rve_hist_push(&w->ring->hist, sp, 0);
    w->running = 1;
    return 0;
}

int ctx_close(int idx)
{
    if (idx < 0 || idx >= RVE_MAX_CTX || !workers[idx].running)
        return -EINVAL;
    struct worker *w = &workers[idx];
    atomic_store(&w->ring->stop, 1);
    futex(&w->ring->submit_seq, FUTEX_WAKE, INT_MAX, NULL);
    for (int i = 0; i < RVE_NSLOT; i++)
        futex(&w->ring->slots[i].state, FUTEX_WAKE, INT_MAX, NULL);
    pthread_join(w->thread, NULL);
    w->running = 0;
    atomic_store(&w->ring->state, RVE_CTX_FREE);
    return 0;
}
