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
void wait_change(struct rve_ring *r, _Atomic uint32_t *word, uint32_t val,
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
