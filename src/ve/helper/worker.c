/* Worker threads: one per open context, each the VE side of one request
 * ring (protocol in src/proto/rve_proto.h). A worker spins, then sleeps on
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

struct worker {
    pthread_t thread;
    int idx;
    int running;
    struct rve_ring *ring;
};
static struct worker workers[RVE_MAX_CTX];

long futex(_Atomic uint32_t *addr, int op, uint32_t val, const struct timespec *ts)
{
    /* Not FUTEX_PRIVATE_FLAG: the word lives in memory shared with the VH. */
    return syscall(SYS_futex, addr, op, val, ts, NULL, 0);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

void publish_done(struct rve_ring *r, uint32_t seq)
{
    atomic_store_explicit(&r->done_seq, seq, memory_order_release);
    atomic_fetch_add_explicit(&r->ev, 1, memory_order_seq_cst);
    if (atomic_load_explicit(&r->vh_waiters, memory_order_seq_cst))
        futex(&r->ev, FUTEX_WAKE, INT_MAX, NULL);
}

/* Sleep until *word != val (or a stop request). Spins first: a request
 * arriving within spin_us is picked up without a futex wake (~14 us). */
static void wait_change(struct rve_ring *r, _Atomic uint32_t *word, uint32_t val,
                        _Atomic uint32_t *sleeping_flag)
{
    uint64_t spin_ns = (uint64_t)hdr->spin_us * 1000u;
    uint64_t t0 = 0;
    for (unsigned i = 0;; i++) {
        if (atomic_load_explicit(word, memory_order_acquire) != val ||
            atomic_load_explicit(&r->stop, memory_order_relaxed))
            return;
        /* On a machine with more runnable threads than cores, the side
         * we wait for may need this core: offer it now and then. */
        if ((i & 1023) == 1023)
            sched_yield();
        if ((i & 63) == 63) {
            uint64_t t = now_ns();
            if (!t0)
                t0 = t;
            else if (t - t0 > spin_ns)
                break;
        }
        cpu_relax();
    }
    for (;;) {
        if (sleeping_flag)
            atomic_store_explicit(sleeping_flag, 1, memory_order_seq_cst);
        if (atomic_load_explicit(word, memory_order_seq_cst) != val ||
            atomic_load_explicit(&r->stop, memory_order_seq_cst)) {
            if (sleeping_flag)
                atomic_store_explicit(sleeping_flag, 0, memory_order_relaxed);
            return;
        }
        /* A bounded sleep: the VH wakes us, but never rely on one wake. */
        struct timespec ts = {0, 200 * 1000 * 1000};
        futex(word, FUTEX_WAIT, val, &ts);
        if (sleeping_flag)
            atomic_store_explicit(sleeping_flag, 0, memory_order_relaxed);
    }
}

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

    for (;;) {
        wait_change(r, &r->submit_seq, seq, &r->worker_sleeping);
        if (atomic_load_explicit(&r->submit_seq, memory_order_acquire) == seq) {
            if (atomic_load(&r->stop))
                break;
            continue;
        }
        struct rve_slot *s = &r->slots[seq % RVE_NSLOT];
        if (s->kind == RVE_REQ_CALL) {
            tl_slot = s;
            do_call(s);
            tl_slot = NULL;
        } else if (s->kind == RVE_REQ_WRITE || s->kind == RVE_REQ_READ) {
            do_copy(s, s->kind == RVE_REQ_WRITE);
        } else if (s->kind == RVE_REQ_VH) {
            /* The VH does this one; we only keep the queue order. */
            atomic_store_explicit(&s->state, RVE_SLOT_VH_WAIT, memory_order_seq_cst);
            atomic_fetch_add_explicit(&r->ev, 1, memory_order_seq_cst);
            if (atomic_load_explicit(&r->vh_waiters, memory_order_seq_cst))
                futex(&r->ev, FUTEX_WAKE, INT_MAX, NULL);
            for (;;) {
                uint32_t st = atomic_load_explicit(&s->state, memory_order_acquire);
                if (st == RVE_SLOT_VH_DONE || atomic_load(&r->stop))
                    break;
                wait_change(r, &s->state, st, NULL);
            }
            atomic_store_explicit(&s->state, RVE_SLOT_IDLE, memory_order_relaxed);
        } else {
            s->status = RVE_CMD_ERROR;
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
    rc = pthread_create(&w->thread, &attr, worker_main, w);
    pthread_attr_destroy(&attr);
    if (rc) {
        atomic_store(&w->ring->state, RVE_CTX_FREE);
        return -rc;
    }
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
