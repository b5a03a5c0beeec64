/* The helper's side of the ring protocol (src/proto/rve_proto.h): the
 * futex both sides sleep on, publishing a completion, and the spin-then-sleep
 * wait for a word to change. */
#define _GNU_SOURCE
#include <limits.h>
#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "helper.h"
#include "wait.h"

long futex(_Atomic uint32_t *addr, int op, uint32_t val, const struct timespec *ts)
{
    /* Not FUTEX_PRIVATE_FLAG: the word lives in memory shared with the VH. */
    return rcom_futex(addr, op, val, ts);
}

void publish_done(struct rve_ring *r, uint32_t seq)
{
    atomic_store_explicit(&r->done_seq, seq, memory_order_release);
    atomic_fetch_add_explicit(&r->ev, 1, memory_order_seq_cst);
    if (atomic_load_explicit(&r->vh_waiters, memory_order_seq_cst))
        futex(&r->ev, FUTEX_WAKE, INT_MAX, NULL);
}

static int stop_requested(void *arg)
{
    struct rve_ring *r = arg;
    return atomic_load_explicit(&r->stop, memory_order_seq_cst) != 0;
}

/* Sleep until *word != val (or a stop request). Spins first: a request
 * arriving within spin_us is picked up without a futex wake (~14 us). The
 * sleep is bounded (the VH wakes us, but never rely on one wake). */
struct spin_arg {
    struct rve_ring *r;
    _Atomic uint32_t *word;
    uint32_t val;
};

static int changed_or_stop(void *p)
{
    const struct spin_arg *a = p;
    return atomic_load_explicit(a->word, memory_order_acquire) != a->val || stop_requested(a->r);
}

/* The spin offers the core every this many polls (a few microseconds,
 * longer than an idle round trip, which so pays no system call): the VH
 * thread we wait for may be runnable on this very CPU, or a CPU hog may
 * share it. */
#define WORKER_YIELD_EVERY 64

void wait_change(struct rve_ring *r, _Atomic uint32_t *word, uint32_t val,
                 _Atomic uint32_t *sleeping_flag)
{
    struct spin_arg a = {r, word, val};
    /* where we are, for a VH thread that spins for our answer; where the
     * VH thread is, so as not to spin on its CPU */
    atomic_store_explicit(&r->worker_cpu, rcom_cpu(), memory_order_relaxed);
    if (rcom_spin_until_peer(changed_or_stop, &a, (uint64_t)hdr->spin_us * 1000u,
                             WORKER_YIELD_EVERY, &r->vh_cpu))
        return;
    atomic_store_explicit(&r->worker_cpu, -1, memory_order_relaxed);
    struct rcom_wait w = {
        .spin_ns = 0, /* spun above */
        .scope = RCOM_WAIT_SHARED, /* the word lives in memory shared with the VH */
        .stop = stop_requested,
        .stop_arg = r,
        .sleeping = sleeping_flag,
    };
    rcom_wait_change(word, val, &w);
    atomic_store_explicit(&r->worker_cpu, rcom_cpu(), memory_order_relaxed);
}
