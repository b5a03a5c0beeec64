#define _GNU_SOURCE
#include "wait.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

uint64_t rcom_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield" ::: "memory");
#else
    __asm__ __volatile__("" ::: "memory");
#endif
}

long rcom_futex(_Atomic uint32_t *word, int op, uint32_t val, const struct timespec *ts)
{
    return syscall(SYS_futex, (uint32_t *)word, op, val, ts, NULL, 0);
}

void rcom_wake(_Atomic uint32_t *word, int n, enum rcom_wait_scope scope)
{
    rcom_futex(word, scope == RCOM_WAIT_PRIVATE ? FUTEX_WAKE_PRIVATE : FUTEX_WAKE, (uint32_t)n, NULL);
}

int32_t rcom_cpu(void)
{
    return (int32_t)sched_getcpu();
}

int rcom_spin_until_peer(int (*cond)(void *), void *arg, uint64_t spin_ns, unsigned yield_every,
                         const _Atomic int32_t *peer_cpu)
{
    uint64_t t0 = 0;
    unsigned since_yield = 0;
    int32_t me = peer_cpu ? rcom_cpu() : -1;
    for (unsigned i = 0;; i++) {
        if (cond(arg))
            return 1;
        if (me >= 0 && atomic_load_explicit(peer_cpu, memory_order_relaxed) == me) {
            /* the peer shares our CPU: let it run now (we may come back
             * on another CPU) */
            since_yield = 0;
            sched_yield();
            me = rcom_cpu();
        } else if (yield_every && ++since_yield >= yield_every) {
            since_yield = 0;
            sched_yield();
            if (peer_cpu)
                me = rcom_cpu();
        }
        if ((i & 63) == 63) {
            uint64_t t = rcom_now_ns();
            if (!t0)
                t0 = t;
            else if (t - t0 >= spin_ns)
                return 0;
        }
        cpu_relax();
    }
}

int rcom_spin_until_yield(int (*cond)(void *), void *arg, uint64_t spin_ns, unsigned yield_every)
{
    return rcom_spin_until_peer(cond, arg, spin_ns, yield_every, NULL);
}

int rcom_spin_until(int (*cond)(void *), void *arg, uint64_t spin_ns)
{
    return rcom_spin_until_yield(cond, arg, spin_ns, 1024);
}

struct change_arg {
    _Atomic uint32_t *word;
    uint32_t old;
    const struct rcom_wait *w;
};

static int changed_or_stopped(void *p)
{
    const struct change_arg *a = p;
    return atomic_load_explicit(a->word, memory_order_acquire) != a->old ||
           (a->w->stop && a->w->stop(a->w->stop_arg));
}

int rcom_wait_change(_Atomic uint32_t *word, uint32_t old, const struct rcom_wait *w)
{
    struct change_arg a = { word, old, w };
    uint64_t start = w->timeout_ns ? rcom_now_ns() : 0;
    if (w->spin_ns && rcom_spin_until(changed_or_stopped, &a, w->spin_ns))
        goto done;
    int op = w->scope == RCOM_WAIT_PRIVATE ? FUTEX_WAIT_PRIVATE : FUTEX_WAIT;
    uint64_t slice = w->sleep_slice_ns ? w->sleep_slice_ns : 200u * 1000 * 1000;
    for (;;) {
        if (w->sleeping)
            atomic_store_explicit(w->sleeping, 1, memory_order_seq_cst);
        /* re-check after announcing the sleep: a waker that saw sleeping==0
         * skipped its futex call, so the change must be seen here */
        if (atomic_load_explicit(word, memory_order_seq_cst) != old || (w->stop && w->stop(w->stop_arg))) {
            if (w->sleeping)
                atomic_store_explicit(w->sleeping, 0, memory_order_relaxed);
            goto done;
        }
        uint64_t ns = slice;
        if (w->timeout_ns) {
            uint64_t t = rcom_now_ns() - start;
            if (t >= w->timeout_ns) {
                if (w->sleeping)
                    atomic_store_explicit(w->sleeping, 0, memory_order_relaxed);
                return -ETIMEDOUT;
            }
            if (w->timeout_ns - t < ns)
                ns = w->timeout_ns - t;
        }
        struct timespec ts = { (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) };
        rcom_futex(word, op, old, &ts);
        if (w->sleeping)
            atomic_store_explicit(w->sleeping, 0, memory_order_relaxed);
    }
done:
    if (atomic_load_explicit(word, memory_order_acquire) != old)
        return 0;
    return 1;
}
