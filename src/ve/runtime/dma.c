/* The DMA engine of one software VE process.
 *
 * A ring of VE_DMA_NDESC (128) descriptors, as the card's user DMA
 * descriptor table H. Posters fill the next slot in order; one engine
 * thread executes the slots in the same order. A transfer is validated as a
 * whole against the DMAATB (under its read lock, so no registration can go
 * away under a copy), then copied straight between the two registered host
 * ranges: no staging buffer, no copy outside a registration.
 *
 * What a DMA reports is what it did:
 *  - it translates only through registrations that existed when it was
 *    posted (generation tag), so it never lands in a segment attached later
 *    at a VEHVA that was freed and handed out again;
 *  - before writing anything it makes sure every page of both ranges is
 *    there (faults them in; a page that cannot be had is the memory-access
 *    exception with nothing written), so a fault cannot stop it half-way;
 *  - two registrations that are views of the same pages (one segment
 *    attached twice) are copied in the order their backing offsets need,
 *    so an overlapping copy between them gives memmove's result.
 *
 * Waiting, on both sides, spins for a short while and then sleeps on a futex
 * (an idle VE process burns no core); posters and completions only make a
 * wake-up system call when the other side actually sleeps.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <sys/uio.h>

#include "devq.h"
#include "wait.h"
#include "rt.h"
#include "ve_runtime.h"
#include "vedma.h"

enum { S_FREE = DQ_FREE, S_POSTED = DQ_POSTED, S_RUNNING = DQ_RUNNING, S_DONE = DQ_DONE };

/* Spin budgets before sleeping. A futex wake-up costs a few microseconds
 * plus the scheduler's delay, so short waits spin. But every spinner holds a
 * core: in a VEO call that DMAs, the VH thread spins for the call's result and
 * the VE thread for the DMA, so on a 2-core machine an engine that also spun
 * while idle would find no core when work arrives (measured: a 4 KiB
 * veo_dma_post_wait took ~40 us with a 30 us idle spin, ~8 us with none).
 * So the idle engine spins only ENGINE_SPIN_NS before it sleeps, and waiters
 * yield the CPU as they spin. A waiter spins for twice the time its transfer
 * should take (at 8 GB/s) plus WAITER_SPIN_NS; when that would exceed
 * WAITER_SPIN_MAX_NS it sleeps at once (the wake-up is then a small fraction
 * of the transfer). */
#define ENGINE_SPIN_NS 2000
#define WAITER_SPIN_NS 20000
#define WAITER_SPIN_MAX_NS 500000

/* Before a copy every page of both ranges is probed: a load, and for the
 * destination a store of the loaded byte, per page. A VH-VE SHM range is
 * made of 2 MiB huge pages (checked at attach); VE memory may be made of
 * 4 KiB pages, so it is probed every PROBE_STEP. (MADV_POPULATE_READ/WRITE
 * would do the same in the kernel: as fast on transparent huge pages, but
 * several times slower than the loads on 4 KiB pages, as slow as the copy
 * itself.) */
#define PROBE_STEP 4096u
/* staging for a copy between two views of the same pages */
#define ALIAS_BOUNCE (64u << 10)

struct slot {
    _Atomic int state;
    int exc;            /* exception bits once S_DONE */
    int held;           /* a post_wait owns it until it has read the result */
    uint64_t dst, src;
    int64_t size;
    uint64_t gen;       /* DMAATB generation when posted */
    ve_dma_handle_t *owner; /* NEC: gets the status when the slot is reused */
    _Atomic int inl;    /* run by its poster (dma_run_now): the engine steps over it */
};

struct dma_engine {
    pthread_mutex_t post_lock;
    struct slot slot[VE_DMA_NDESC];
    unsigned wr;                 /* next slot to post into (post_lock) */
    _Atomic unsigned rd;         /* next slot the engine executes */
    _Atomic uint32_t post_seq;   /* futex word: bumped by every post */
    _Atomic uint32_t done_seq;   /* futex word: bumped by every completion */
    _Atomic int engine_sleeping;
    _Atomic int waiters;
    _Atomic int stop;
    _Atomic int running;
    _Atomic uint64_t nexc;
    pthread_t thr;
    char bounce[ALIAS_BOUNCE]; /* engine thread only: aliasing copies */
};

/* Bounded: every sleeper re-checks its condition at least this often, so a
 * lost wake-up costs time, never a hang. (The engine's words are private to
 * the device process.) */
static void futex_wait(_Atomic uint32_t *w, uint32_t val)
{
    struct timespec ts = {0, 50 * 1000 * 1000};
    rcom_futex(w, FUTEX_WAIT_PRIVATE, val, &ts);
}

static void futex_wake_all(_Atomic uint32_t *w)
{
    rcom_wake(w, INT_MAX, RCOM_WAIT_PRIVATE);
}

/* Spinning is the shared rcom_spin_until_yield (src/common/wait.h). A
 * waiter yields every WAITER_YIELD_EVERY polls, so that on a small machine
 * the engine it waits for gets a core even when the VH thread spins too
 * (three spinners, two cores); the idle engine does not (0), it only waits
 * for work. */
#define WAITER_YIELD_EVERY 16

static struct devq *mirror_q;

void dma_mirror_to(struct devq *q)
{
    mirror_q = q;
}

/* A descriptor's new state, published into the request area (device
 * process), for the VE process's polls and waits. */
static void mirror(int index, int state, int exc)
{
    struct devq *q = mirror_q;
    if (!q || index < 0 || index >= VE_DMA_NDESC)
        return;
    q->desc[index].exc = exc;
    atomic_store_explicit(&q->desc[index].state, state, memory_order_release);
    if (state == DQ_DONE) {
        atomic_fetch_add_explicit(&q->dma_done, 1, memory_order_seq_cst);
        /* a hint only: a waiter whose count was scribbled away sleeps in
         * bounded slices */
        if (atomic_load_explicit(&q->dma_waiters, memory_order_seq_cst))
            rcom_wake(&q->dma_done, INT_MAX, RCOM_WAIT_SHARED);
    }
}

static void complete(struct dma_engine *e, struct slot *s, int exc)
{
    s->exc = exc;
    if (exc)
        atomic_fetch_add(&e->nexc, 1);
    atomic_store_explicit(&s->state, S_DONE, memory_order_release);
    mirror((int)(s - e->slot), S_DONE, exc);
    atomic_fetch_add(&e->done_seq, 1);
    if (atomic_load(&e->waiters))
        futex_wake_all(&e->done_seq);
}

/* Set while the engine thread copies; see rashm_ve_runtime_on_fault. */
static __thread sigjmp_buf *volatile engine_copy_guard;

/* The engine's signal mask: everything blocked but synchronous faults. */
static void engine_sigmask(sigset_t *set)
{
    sigfillset(set);
    sigdelset(set, SIGSEGV);
    sigdelset(set, SIGBUS);
    sigdelset(set, SIGFPE);
    sigdelset(set, SIGILL);
}

RASHM_VE_API void rashm_ve_runtime_on_fault(int sig)
{
    if (!engine_copy_guard || (sig != SIGSEGV && sig != SIGBUS))
        return;
    /* the jump does not restore the mask the handler ran with */
    sigset_t set;
    engine_sigmask(&set);
    pthread_sigmask(SIG_SETMASK, &set, NULL);
    siglongjmp(*engine_copy_guard, 1);
}

/* Faults in every page of [p, p+n) (for writing if `write`), `step` apart,
 * before any byte is copied. Called under the engine's fault guard: a page
 * that cannot be had (unmapped, no huge page left in the pool, read-only)
 * ends in the guard, never half-way through a copy. The store writes the
 * byte just loaded, inside the destination, which the DMA overwrites
 * anyway. */
static void probe(char *p, size_t n, int write, size_t step)
{
    volatile char *v = (volatile char *)p;
    size_t first = step - ((uintptr_t)p & (step - 1));
    for (size_t off = 0; off < n; off = off ? off + step : first) {
        char c = v[off];
        if (write)
            v[off] = c;
    }
}

/* Copies between two views of one object whose backing ranges overlap
 * (sb, db: the backing offsets of from and to). memmove decides its
 * direction from the virtual addresses, which here say nothing: copy in
 * pieces through a bounce buffer, in the order the backing offsets need
 * (ascending when the destination lies below the source, else descending),
 * so no piece is overwritten before it has been read. */
static void alias_move(char *bounce, char *to, const char *from, size_t n, uint64_t sb,
                       uint64_t db)
{
    if (sb == db)
        return; /* the same bytes: nothing changes */
    if (db < sb) {
        for (size_t i = 0; i < n; i += ALIAS_BOUNCE) {
            size_t c = n - i < ALIAS_BOUNCE ? n - i : ALIAS_BOUNCE;
            memcpy(bounce, from + i, c);
            memcpy(to + i, bounce, c);
        }
    } else {
        for (size_t end = n; end > 0;) {
            size_t c = end < ALIAS_BOUNCE ? end : ALIAS_BOUNCE;
            end -= c;
            memcpy(bounce, from + end, c);
            memcpy(to + end, bounce, c);
        }
    }
}

/* Are `from` and `to`, n bytes each, two different views of overlapping
 * bytes of one object? Then *sb, *db get their backing offsets. Private
 * memory is its own only view: memmove on the addresses is right for it. */
static int aliased(const struct atb_view *fv, const struct atb_view *tv, uint64_t n,
                   uint64_t *sb, uint64_t *db)
{
    if (fv->back.dev != tv->back.dev || fv->back.ino != tv->back.ino)
        return 0;
    if (!fv->back.dev && !fv->back.ino)
        return 0;
    *sb = fv->back.off;
    *db = tv->back.off;
    /* (addresses of two processes say nothing about each other) */
    if (fv->back.remote == tv->back.remote &&
        *db - *sb == (uint64_t)((uintptr_t)tv->host - (uintptr_t)fv->host))
        return 0; /* the same view (or one consistent with it) */
    return *sb < *db + n && *db < *sb + n;
}

/* ---- views in the VE process ----------------------------------------------
 * In the device process, a registration of VE memory is a view of the memfd
 * it maps too (plain loads and stores); a registration of other memory of
 * the VE process (VE code's own mappings) is reached with process_vm_*: the
 * kernel copies, and a page that cannot be had is an error (EFAULT), never
 * a signal here. */
static int remote_io(const struct atb_view *v, uint64_t off, void *buf, size_t n, int write)
{
    struct iovec l = { buf, n }, r = { v->host + off, n };
    ssize_t k = write ? process_vm_writev(rashm_rt.target, &l, 1, &r, 1, 0)
                      : process_vm_readv(rashm_rt.target, &l, 1, &r, 1, 0);
    return k == (ssize_t)n ? 0 : -EFAULT;
}

/* probe() for a view in the VE process: one byte per page read (and, for
 * the destination, written back), PROBE_BATCH pages per system call. */
#define PROBE_BATCH 256
static int remote_probe(const struct atb_view *v, size_t n, int write)
{
    struct iovec l[PROBE_BATCH], r[PROBE_BATCH];
    char bytes[PROBE_BATCH];
    uintptr_t p = (uintptr_t)v->host, end = p + n;
    while (p < end) {
        int k = 0;
        for (; k < PROBE_BATCH && p < end; k++) {
            l[k] = (struct iovec){ &bytes[k], 1 };
            r[k] = (struct iovec){ (void *)p, 1 };
            p = (p | (PROBE_STEP - 1)) + 1;
        }
        if (process_vm_readv(rashm_rt.target, l, (unsigned long)k, r, (unsigned long)k, 0) != k)
            return -EFAULT;
        if (write &&
            process_vm_writev(rashm_rt.target, l, (unsigned long)k, r, (unsigned long)k, 0) != k)
            return -EFAULT;
    }
    return 0;
}

static int view_io(const struct atb_view *v, uint64_t off, void *buf, size_t n, int write)
{
    if (v->back.remote)
        return remote_io(v, off, buf, n, write);
    if (write)
        memcpy(v->host + off, buf, n);
    else
        memcpy(buf, v->host + off, n);
    return 0;
}

/* A copy with at least one side in the VE process. Through the bounce
 * buffer in the order sb/db need (as alias_move), unless exactly one side is
 * remote and the two are not views of overlapping bytes: then one
 * process_vm_* call moves it all. */
static int remote_move(struct dma_engine *e, const struct atb_view *tv, const struct atb_view *fv,
                       size_t n, int alias, uint64_t sb, uint64_t db)
{
    if (!alias && fv->back.remote != tv->back.remote)
        return fv->back.remote ? remote_io(fv, 0, tv->host, n, 0)
                               : remote_io(tv, 0, fv->host, n, 1);
    if (!alias) { /* both in the VE process: memmove on its addresses */
        sb = (uintptr_t)fv->host;
        db = (uintptr_t)tv->host;
    }
    if (sb == db && alias)
        return 0;
    if (db < sb) {
        for (size_t i = 0; i < n; i += ALIAS_BOUNCE) {
            size_t c = n - i < ALIAS_BOUNCE ? n - i : ALIAS_BOUNCE;
            if (view_io(fv, i, e->bounce, c, 0) || view_io(tv, i, e->bounce, c, 1))
                return -EFAULT;
        }
    } else {
        for (size_t end = n; end > 0;) {
            size_t c = end < ALIAS_BOUNCE ? end : ALIAS_BOUNCE;
            end -= c;
            if (view_io(fv, end, e->bounce, c, 0) || view_io(tv, end, e->bounce, c, 1))
                return -EFAULT;
        }
    }
    return 0;
}

/* Pages first, so a fault (or a page the kernel cannot supply) means
 * nothing was written; then the copy. */
static __attribute__((noinline)) int copy_body(struct dma_engine *e, const struct atb_view *tv,
                                              const struct atb_view *fv, size_t n)
{
    uint64_t sb, db;
    int alias;
    if (fv->back.remote ? remote_probe(fv, n, 0) : (probe(fv->host, n, 0, fv->kind == ATB_VHSHM ? PG_2M : PROBE_STEP), 0))
        return -EFAULT;
    if (tv->back.remote ? remote_probe(tv, n, 1) : (probe(tv->host, n, 1, tv->kind == ATB_VHSHM ? PG_2M : PROBE_STEP), 0))
        return -EFAULT;
    alias = aliased(fv, tv, n, &sb, &db);
    if (fv->back.remote || tv->back.remote)
        return remote_move(e, tv, fv, n, alias, sb, db);
    if (alias)
        alias_move(e->bounce, tv->host, fv->host, n, sb, db);
    else
        memmove(tv->host, fv->host, n);
    return 0;
}

/* The copy of one DMA (called by the DMAATB with both registrations held),
 * turning a fault into an error (-EFAULT). */
static int guarded_copy(void *arg, const struct atb_view *fv, const struct atb_view *tv,
                        uint64_t n)
{
    struct dma_engine *e = arg;
    sigjmp_buf jb;
    if (sigsetjmp(jb, 0)) {
        engine_copy_guard = NULL;
        return -EFAULT;
    }
    engine_copy_guard = &jb;
    int rc = copy_body(e, tv, fv, (size_t)n);
    engine_copy_guard = NULL;
    return rc;
}

int dma_view_io(const struct atb_view *v, void *buf, uint64_t n, int write)
{
    sigjmp_buf jb;
    int rc;
    if (v->back.remote)
        return remote_io(v, 0, buf, (size_t)n, write);
    if (sigsetjmp(jb, 0)) {
        engine_copy_guard = NULL;
        return -EFAULT;
    }
    engine_copy_guard = &jb;
    rc = view_io(v, 0, buf, (size_t)n, write);
    engine_copy_guard = NULL;
    return rc;
}

static int execute(struct dma_engine *e, struct slot *s)
{
    int exc, copy_rc = 0;

    atomic_store_explicit(&s->state, S_RUNNING, memory_order_relaxed);
    exc = dmaatb_transfer(rashm_rt.atb, s->src, s->dst, (uint64_t)s->size, s->gen, guarded_copy,
                          e, &copy_rc);
    exc |= copy_rc ? VE_DMA_EXC_MEM_ACCESS : 0;
    complete(e, s, exc);
    return exc;
}

struct slot_wait {
    struct dma_engine *e;
    struct slot *s;
};

static int engine_has_work(void *arg)
{
    struct slot_wait *w = arg;
    int st = atomic_load_explicit(&w->s->state, memory_order_acquire);
    return st == S_POSTED || (st == S_DONE && atomic_load(&w->s->inl)) ||
           atomic_load_explicit(&w->e->stop, memory_order_relaxed);
}

static void *engine_main(void *arg)
{
    struct dma_engine *e = arg;
    unsigned rd = 0;

    for (;;) {
        struct slot *s = &e->slot[rd];
        if (atomic_load(&e->stop))
            break;
        int st = atomic_load_explicit(&s->state, memory_order_acquire);
        if (st == S_POSTED || (st == S_DONE && atomic_load(&s->inl))) {
            if (st == S_POSTED) {
                execute(e, s);
            } else { /* its poster ran it (dma_run_now): step over */
                atomic_store(&s->inl, 0);
                /* a poster refused this slot until now (see dma_post) */
                atomic_fetch_add(&e->done_seq, 1);
                if (atomic_load(&e->waiters))
                    futex_wake_all(&e->done_seq);
            }
            rd = (rd + 1) % VE_DMA_NDESC;
            atomic_store(&e->rd, rd);
            continue;
        }
        /* idle: spin a little, then sleep until the next post */
        uint32_t seq = atomic_load(&e->post_seq);
        struct slot_wait sw = { e, s };
        if (rcom_spin_until_yield(engine_has_work, &sw, ENGINE_SPIN_NS, 0))
            continue;
        atomic_store(&e->engine_sleeping, 1);
        if (!engine_has_work(&sw))
            futex_wait(&e->post_seq, seq);
        atomic_store(&e->engine_sleeping, 0);
    }
    /* Shutting down: what is still queued will never run. Complete it with
     * the "memory access" exception so no waiter hangs. */
    for (int i = 0; i < VE_DMA_NDESC; i++) {
        int st = atomic_load(&e->slot[i].state);
        if (st == S_POSTED || st == S_RUNNING)
            complete(e, &e->slot[i], VE_DMA_EXC_MEM_ACCESS);
    }
    return NULL;
}

int dma_engine_start(struct dma_engine **out)
{
    struct dma_engine *e = calloc(1, sizeof *e);
    sigset_t all, old;
    int rc;
    if (!e)
        return -ENOMEM;
    pthread_mutex_init(&e->post_lock, NULL);
    /* The engine takes no asynchronous signal: the helper handles those. */
    engine_sigmask(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    rc = pthread_create(&e->thr, NULL, engine_main, e);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc) {
        pthread_mutex_destroy(&e->post_lock);
        free(e);
        return -rc;
    }
    pthread_setname_np(e->thr, "ve-dma-engine");
    atomic_store(&e->running, 1);
    *out = e;
    return 0;
}

/* Stops the thread; the structure stays valid (threads of a dying helper may
 * still look at it) until dma_engine_free. */
void dma_engine_stop(struct dma_engine *e)
{
    if (!e)
        return;
    pthread_mutex_lock(&e->post_lock);
    atomic_store(&e->stop, 1);
    pthread_mutex_unlock(&e->post_lock);
    atomic_fetch_add(&e->post_seq, 1);
    futex_wake_all(&e->post_seq);
    pthread_join(e->thr, NULL);
    atomic_store(&e->running, 0);
}

void dma_engine_free(struct dma_engine *e)
{
    if (!e)
        return;
    pthread_mutex_destroy(&e->post_lock);
    free(e);
}

/* post_lock held: slot s, whose state is st, cannot take a new transfer
 * (queued, running, held by a post_wait, or run inline and not yet stepped
 * over by the engine). */
static int slot_busy(struct slot *s, int st)
{
    return st == S_POSTED || st == S_RUNNING || s->held || atomic_load(&s->inl);
}

/* post_lock held, slot i (state st) free: NEC's write-back of the status
 * of the handle that had it (only if it still looks like that handle: a
 * caller that let it go out of scope, its stack reused, must not get a
 * word of it overwritten), *old_status, and the new transfer's fields. */
static void slot_take(struct dma_engine *e, unsigned i, int st, uint64_t dst, uint64_t src,
                      int64_t size, ve_dma_handle_t *owner, int hold, int *old_status)
{
    struct slot *s = &e->slot[i];
    if (st == S_DONE && s->owner && s->owner->index == (int)i &&
        __atomic_load_n(&s->owner->status, __ATOMIC_RELAXED) == -1)
        __atomic_store_n(&s->owner->status, s->exc, __ATOMIC_RELEASE);
    if (old_status)
        *old_status = st == S_DONE ? s->exc : -1;
    s->dst = dst;
    s->src = src;
    s->size = size;
    /* The DMAATB exists while the engine runs (it is destroyed only after
     * the engine stopped, and stopping takes post_lock). */
    s->gen = dmaatb_generation(rashm_rt.atb);
    s->owner = owner;
    s->held = hold;
    s->exc = 0;
}

static int stepped_over(void *arg)
{
    struct slot_wait *w = arg;
    return !atomic_load(&w->s->inl) || atomic_load(&w->e->stop);
}

static int transfer_ok(uint64_t dst, uint64_t src, int64_t size)
{
    return size > 0 && size < VE_DMA_MAX_SIZE && size % 4 == 0 && dst % 4 == 0 &&
           src % 4 == 0;
}

int dma_post(struct dma_engine *e, uint64_t dst, uint64_t src, int64_t size,
             void *handle, int record, int hold, int *index, int *old_status)
{
    ve_dma_handle_t *h = handle;
    struct slot *s;
    unsigned i;
    int st;

    if (!transfer_ok(dst, src, size))
        return -EINVAL;
    pthread_mutex_lock(&e->post_lock);
    if (atomic_load(&e->stop)) {
        pthread_mutex_unlock(&e->post_lock);
        return -ESHUTDOWN;
    }
    i = e->wr;
    s = &e->slot[i];
    st = atomic_load_explicit(&s->state, memory_order_acquire);
    if (st == S_DONE && !s->held && atomic_load(&s->inl)) {
        /* Run by its poster a lap ago (dma_run_now) and not yet stepped over
         * by the engine, asleep since. The slot's DMA has finished, so NEC's
         * contract says the post must not fail with -EAGAIN. This happens only
         * when the engine sits at this very slot with the whole ring run
         * inline behind it (a slot it had not reached would not be free for
         * dma_run_now), so all it has to do is step over slots, lock-free:
         * wake it and wait for that, bounded. */
        struct slot_wait sw = {e, s};
        atomic_fetch_add(&e->post_seq, 1);
        futex_wake_all(&e->post_seq);
        /* an engine that cannot step over in 1 s: -EAGAIN below */
        rcom_spin_until_yield(stepped_over, &sw, 1000000000u, 64);
        st = atomic_load_explicit(&s->state, memory_order_acquire);
    }
    if (slot_busy(s, st)) {
        pthread_mutex_unlock(&e->post_lock);
        return -EAGAIN;
    }
    /* NEC: the old handle learns its result when its slot is reused */
    slot_take(e, i, st, dst, src, size, record ? h : NULL, hold, old_status);
    if (h) {
        h->status = -1;
        h->index = (int)i;
    }
    atomic_store_explicit(&s->state, S_POSTED, memory_order_release);
    mirror((int)i, S_POSTED, 0);
    __atomic_store_n(&e->wr, (i + 1) % VE_DMA_NDESC, __ATOMIC_SEQ_CST);
    pthread_mutex_unlock(&e->post_lock);
    atomic_fetch_add(&e->post_seq, 1);
    if (atomic_load(&e->engine_sleeping))
        futex_wake_all(&e->post_seq);
    if (index)
        *index = (int)i;
    return 0;
}

int dma_slot_poll(struct dma_engine *e, int index)
{
    if (index < 0 || index >= VE_DMA_NDESC)
        return -EINVAL;
    struct slot *s = &e->slot[index];
    switch (atomic_load_explicit(&s->state, memory_order_acquire)) {
    case S_DONE:
        return s->exc;
    case S_FREE:
        return -EINVAL; /* never posted */
    default:
        return -EAGAIN;
    }
}

/* Sleeps until done_seq moves past `seq` (or returns at once if it has). */
static void wait_done(struct dma_engine *e, uint32_t seq)
{
    futex_wait(&e->done_seq, seq);
}

/* Polls the handle's stored status first (set when its slot was reused). */
static int poll_h(struct dma_engine *e, int index, const ve_dma_handle_t *h)
{
    if (h) {
        int st = __atomic_load_n(&h->status, __ATOMIC_ACQUIRE);
        if (st != -1)
            return st;
    }
    return dma_slot_poll(e, index);
}

struct poll_arg {
    struct dma_engine *e;
    int index;
    const ve_dma_handle_t *h;
};

static int slot_finished(void *arg)
{
    struct poll_arg *p = arg;
    return poll_h(p->e, p->index, p->h) != -EAGAIN;
}

int dma_slot_wait(struct dma_engine *e, int index, const void *handle)
{
    const ve_dma_handle_t *h = handle;
    struct poll_arg pa = { e, index, h };
    int r;
    if (index < 0 || index >= VE_DMA_NDESC)
        return -EINVAL;
    uint64_t budget = WAITER_SPIN_NS + (uint64_t)e->slot[index].size / 4;
    if (budget <= WAITER_SPIN_MAX_NS &&
        rcom_spin_until_yield(slot_finished, &pa, budget, WAITER_YIELD_EVERY))
        return poll_h(e, index, h);
    for (;;) {
        atomic_fetch_add(&e->waiters, 1);
        uint32_t seq = atomic_load(&e->done_seq);
        r = poll_h(e, index, h);
        if (r == -EAGAIN)
            wait_done(e, seq);
        atomic_fetch_sub(&e->waiters, 1);
        if (r != -EAGAIN)
            return r;
    }
}

void dma_release(struct dma_engine *e, int index)
{
    pthread_mutex_lock(&e->post_lock);
    e->slot[index].held = 0;
    pthread_mutex_unlock(&e->post_lock);
    /* A poster that found this slot held sleeps until done_seq moves:
     * freeing the slot is such an event, even when no DMA completes. */
    atomic_fetch_add(&e->done_seq, 1);
    if (atomic_load(&e->waiters))
        futex_wake_all(&e->done_seq);
}

/* When the engine is idle with nothing queued (it waits at the slot the
 * next post takes), the poster runs the DMA itself, in its own thread: the
 * order of the ring is kept (the slot is taken like any post, and the
 * engine steps over it only once it is done), and the hand-off to the
 * engine thread and back, which costs more than a small copy, is saved.
 * Returns the exception bits (*index: the slot, *old_status as dma_post),
 * or -EAGAIN when the engine is not idle (nothing was done), -EINVAL,
 * -ESHUTDOWN. */
int dma_run_now(struct dma_engine *e, uint64_t dst, uint64_t src, int64_t size, int *index,
                int *old_status)
{
    struct slot *s;
    unsigned i;
    int st;
    if (!transfer_ok(dst, src, size))
        return -EINVAL;
    pthread_mutex_lock(&e->post_lock);
    if (atomic_load(&e->stop)) {
        pthread_mutex_unlock(&e->post_lock);
        return -ESHUTDOWN;
    }
    i = e->wr;
    s = &e->slot[i];
    st = atomic_load_explicit(&s->state, memory_order_acquire);
    if (slot_busy(s, st)) {
        pthread_mutex_unlock(&e->post_lock);
        return -EAGAIN;
    }
    /* idle: everything between the engine and us was run by its poster
     * (the engine steps over those when it next wakes; waking it now for
     * that alone would cost more than the copy) */
    for (unsigned k = atomic_load(&e->rd); k != i; k = (k + 1) % VE_DMA_NDESC) {
        struct slot *t = &e->slot[k];
        if (atomic_load_explicit(&t->state, memory_order_acquire) != S_DONE ||
            !atomic_load(&t->inl)) {
            pthread_mutex_unlock(&e->post_lock);
            return -EAGAIN;
        }
    }
    slot_take(e, i, st, dst, src, size, NULL, 0, old_status);
    atomic_store(&s->inl, 1);
    atomic_store_explicit(&s->state, S_RUNNING, memory_order_release);
    mirror((int)i, S_RUNNING, 0);
    __atomic_store_n(&e->wr, (i + 1) % VE_DMA_NDESC, __ATOMIC_SEQ_CST);
    pthread_mutex_unlock(&e->post_lock);
    /* The engine executes nothing before slot i is done, so e->bounce is
     * ours. */
    int exc = execute(e, s);
    /* Posts made meanwhile queued behind us, and the engine, woken by them,
     * found slot i still running: wake it to step over it. (A post after
     * this check wakes it itself and finds slot i done.) */
    atomic_thread_fence(memory_order_seq_cst);
    if (__atomic_load_n(&e->wr, __ATOMIC_SEQ_CST) != (i + 1) % VE_DMA_NDESC) {
        atomic_fetch_add(&e->post_seq, 1);
        if (atomic_load(&e->engine_sleeping))
            futex_wake_all(&e->post_seq);
    }
    if (index)
        *index = (int)i;
    return exc;
}

int dma_post_wait(struct dma_engine *e, uint64_t dst, uint64_t src, int64_t size)
{
    int index, r, spins = 0;
    r = dma_run_now(e, dst, src, size, NULL, NULL);
    if (r != -EAGAIN)
        return r;
    for (;;) {
        uint32_t seq = atomic_load(&e->done_seq);
        r = dma_post(e, dst, src, size, NULL, 0, 1, &index, NULL);
        if (r != -EAGAIN)
            break;
        if (atomic_load(&e->stop))
            return -ESHUTDOWN;
        if (++spins < 1000) {
            __builtin_ia32_pause();
            continue;
        }
        /* ring full: sleep until some DMA completes */
        atomic_fetch_add(&e->waiters, 1);
        if (atomic_load(&e->done_seq) == seq)
            wait_done(e, seq);
        atomic_fetch_sub(&e->waiters, 1);
    }
    if (r)
        return r;
    r = dma_slot_wait(e, index, NULL);
    dma_release(e, index);
    return r;
}

void dma_read_regs(struct dma_engine *e, uint64_t regs[4])
{
    regs[0] = atomic_load(&e->running) && !atomic_load(&e->stop);
    regs[1] = atomic_load(&e->rd);
    pthread_mutex_lock(&e->post_lock);
    regs[2] = e->wr;
    pthread_mutex_unlock(&e->post_lock);
    regs[3] = atomic_load(&e->nexc);
}

void dma_drain(struct dma_engine *e)
{
    for (int i = 0; i < VE_DMA_NDESC; i++) {
        int st = atomic_load(&e->slot[i].state);
        if (st == S_POSTED || st == S_RUNNING)
            dma_slot_wait(e, i, NULL);
    }
}
