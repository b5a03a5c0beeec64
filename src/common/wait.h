/* One spin-then-sleep wait on a 32-bit word, shared by every side that waits
 * for another thread or process (VEO command rings, the helper's workers,
 * the software DMA engine).
 *
 * A futex wake-up costs a few microseconds plus a context switch; the other
 * side usually answers within that time, so waiting first spins (offering
 * the core now and then: on a machine with more runnable threads than cores
 * the side we wait for may need it) and only then sleeps on the futex. */
#ifndef RASHM_COMMON_WAIT_H
#define RASHM_COMMON_WAIT_H

#include <stdatomic.h>
#include <stdint.h>

#include "export.h"

/* Process-shared (FUTEX_WAIT) or private to this process (FUTEX_WAIT_PRIVATE:
 * cheaper, the word must not live in memory shared with another process). */
enum rcom_wait_scope { RCOM_WAIT_SHARED = 0, RCOM_WAIT_PRIVATE = 1 };

/* Optional extra condition to stop waiting (a stop flag, a dead peer):
 * return nonzero to stop. */
typedef int (*rcom_wait_stop_fn)(void *arg);

struct rcom_wait {
    uint64_t spin_ns;          /* spin this long before sleeping (0: sleep at once) */
    uint64_t sleep_slice_ns;   /* one futex sleep at most this long (0: 200 ms);
                                  never rely on a single wake-up */
    uint64_t timeout_ns;       /* give up after this long (0: never) */
    enum rcom_wait_scope scope;
    rcom_wait_stop_fn stop;    /* may be NULL */
    void *stop_arg;
    _Atomic uint32_t *sleeping; /* may be NULL: set to 1 while asleep so the
                                   waker can skip the futex call when 0 */
};

/* Wait until *word != old. Returns 0 when it changed, 1 when stop() asked
 * to stop, -ETIMEDOUT after timeout_ns. */
RASHM_HIDDEN int rcom_wait_change(_Atomic uint32_t *word, uint32_t old, const struct rcom_wait *w);

/* Spin (never sleep) until cond(arg) is nonzero or spin_ns passed.
 * Returns 1 if cond became true, 0 otherwise. */
RASHM_HIDDEN int rcom_spin_until(int (*cond)(void *), void *arg, uint64_t spin_ns);

/* The same, offering the core (sched_yield) every yield_every spins instead
 * of every 1024: a caller whose peer runs on the same few cores (a software
 * engine on a 2-core machine) needs it sooner. 0 means never yield. */
RASHM_HIDDEN int rcom_spin_until_yield(int (*cond)(void *), void *arg, uint64_t spin_ns, unsigned yield_every);

/* The same, for a waiter that knows on which CPU the thread it waits for
 * runs (*peer_cpu, published by that thread; -1: unknown or asleep): while
 * that is this thread's CPU, spinning only keeps the peer from running, so
 * each poll offers the CPU instead (sched_yield, which hands it to the
 * peer when nothing else is runnable there). peer_cpu NULL: as
 * rcom_spin_until_yield. */
RASHM_HIDDEN int rcom_spin_until_peer(int (*cond)(void *), void *arg, uint64_t spin_ns,
                                      unsigned yield_every, const _Atomic int32_t *peer_cpu);

/* This thread's CPU (sched_getcpu), or -1. */
RASHM_HIDDEN int32_t rcom_cpu(void);

/* Wake up to n waiters of word (INT_MAX: all). */
RASHM_HIDDEN void rcom_wake(_Atomic uint32_t *word, int n, enum rcom_wait_scope scope);

/* A raw futex call for the rare caller that needs another operation. */
struct timespec;
RASHM_HIDDEN long rcom_futex(_Atomic uint32_t *word, int op, uint32_t val, const struct timespec *ts);

RASHM_HIDDEN uint64_t rcom_now_ns(void);

#endif
