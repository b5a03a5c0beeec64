/* The request ring of one context, VH side (protocol: src/proto/rve_proto.h):
 * reserving a slot, publishing it, harvesting finished requests, running
 * the VH-kind requests that reach the head of the queue, keeping results
 * until they are collected, and the spin-then-sleep wait for the worker.
 * What a request means is not known here: whoever submits it attaches a
 * `done` hook (run at harvest) and, for VH-kind requests, a `run` hook. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <linux/futex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "veo_internal.h"
#include "wait.h"

/* A context record has pages of its own, and a freed record's address is
 * never handed out again: its pages are replaced by a reservation with no
 * memory behind it. veo_context_close gets a bare pointer, and language
 * bindings finalize in any order, so they close contexts that
 * veo_proc_destroy freed already, possibly after a new process was made.
 * Were the address reused by a later context (or transfer ring), that
 * stale close would close it; never reused, a stale pointer is simply not
 * live (veo_i_ctx_is_live), and a stray use faults instead of corrupting
 * another context. Costs 8 KiB of address space per context ever made. */
#define CTX_BYTES ((sizeof(struct veo_thr_ctxt) + 4095) & ~(size_t)4095)

static struct veo_thr_ctxt *ctx_record_new(void)
{
    void *p = mmap(NULL, CTX_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p; /* zero-filled */
}

static void ctx_record_retire(struct veo_thr_ctxt *c)
{
    /* never munmap: the address would be free for the next mmap */
    if (mmap(c, CTX_BYTES, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE,
             -1, 0) == MAP_FAILED)
        madvise(c, CTX_BYTES, MADV_DONTNEED); /* out of VMAs: keep it mapped, empty */
}

/* AVEO's largest piece of a copy on a context made now (xfer.c) */
uint64_t veo_i_aveo_frag(void)
{
    const char *e = getenv("VE_OMP_NUM_THREADS");
    /* AVEO's channel buffer: 4 MiB per VE_OMP_NUM_THREADS (atoi), 16 MiB
     * without it; pieces shrink when it holds less than two of them */
    long n = e ? atol(e) : -1;
    return n >= 0 && n <= 2 ? (1ull << 20) : (4ull << 20);
}

struct veo_thr_ctxt *veo_i_ctx_new(struct veo_proc_handle *h, int idx)
{
    struct veo_thr_ctxt *c = ctx_record_new();
    if (!c)
        return NULL;
    c->proc = h;
    c->idx = idx;
    c->ring = rve_ring_at(h->shm, idx);
    c->aveo_frag = veo_i_aveo_frag();
    pthread_mutex_init(&c->lock, NULL);
    if (veo_i_submit_lock_init(c) < 0 || veo_i_ctx_live_add(c) < 0) {
        pthread_mutex_destroy(&c->lock);
        ctx_record_retire(c);
        return NULL;
    }
    /* Start the ring from zero, so that request id n is ring sequence n.
     * No request is in flight on it: either no worker runs on it yet (or any
     * more), or its worker (the main context's and the transfer ring's,
     * started with the helper) has not been given one. worker_sleeping is
     * left alone: it is the worker's word, and that worker may be asleep
     * already; clearing it would make the first request skip the wake-up
     * and wait for the end of the worker's sleep slice (200 ms). A stale 1
     * costs at most one needless FUTEX_WAKE. */
    c->next_id = c->harvested = 0;
    atomic_store(&c->ring->submit_seq, 0);
    atomic_store(&c->ring->vh_cpu, -1); /* no VH thread spins yet */
    atomic_store(&c->ring->done_seq, 0);
    for (int i = 0; i < RVE_NSLOT; i++)
        atomic_store(&c->ring->slots[i].state, RVE_SLOT_IDLE);
    return c;
}

static void req_release(struct vh_req *q)
{
    free(q->copies);
    q->copies = NULL;
    q->ncopies = 0;
}

void veo_i_ctx_free(struct veo_thr_ctxt *c)
{
    for (int i = 0; i < RVE_NSLOT; i++)
        req_release(&c->req[i]);
    free(c->res);
    veo_i_ctx_live_del(c);
    pthread_mutex_destroy(&c->submit);
    pthread_mutex_destroy(&c->lock);
    ctx_record_retire(c);
}

/* Ring sequence numbers are 32-bit; the VH's ids are 64-bit. The ring's
 * done_seq started equal to base when the context was made. */
static inline uint32_t seq_of(const struct veo_thr_ctxt *c, uint64_t id)
{
    (void)c;
    return (uint32_t)id;
}

static inline size_t res_home(const struct veo_thr_ctxt *c, uint64_t id)
{
    /* Fibonacci hashing: ids are consecutive, but collection patterns
     * (every other id, say) must not cluster either. */
    return (size_t)((id * 0x9E3779B97F4A7C15ull) >> 32) & (c->capres - 1);
}

static void res_put(struct veo_thr_ctxt *c, const struct veo_result *r)
{
    size_t i = res_home(c, r->id);
    while (c->res[i].used)
        i = (i + 1) & (c->capres - 1);
    c->res[i] = *r;
    c->res[i].used = 1;
}

static int res_resize(struct veo_thr_ctxt *c, size_t n)
{
    struct veo_result *old = c->res;
    size_t oldcap = c->capres;
    struct veo_result *t = calloc(n, sizeof *t);
    if (!t)
        return -ENOMEM;
    c->res = t;
    c->capres = n;
    for (size_t i = 0; i < oldcap; i++)
        if (old[i].used)
            res_put(c, &old[i]);
    free(old);
    return 0;
}

static int add_result(struct veo_thr_ctxt *c, uint64_t id, int status, uint64_t val)
{
    if (2 * (c->nres + 1) > c->capres && res_resize(c, c->capres ? c->capres * 2 : 64) < 0)
        return -ENOMEM;
    res_put(c, &(struct veo_result){id, val, status, 1});
    c->nres++;
    return 0;
}

static int take_result(struct veo_thr_ctxt *c, uint64_t id, int *status, uint64_t *val)
{
    if (!c->nres)
        return 0;
    size_t mask = c->capres - 1, i = res_home(c, id);
    for (; c->res[i].used; i = (i + 1) & mask)
        if (c->res[i].id == id)
            break;
    if (!c->res[i].used)
        return 0;
    *status = c->res[i].status;
    *val = c->res[i].val;
    /* Backward-shift deletion: pull later members of the probe run into
     * the hole when their home lies at or before it, so no tombstones. */
    for (size_t j = (i + 1) & mask;; j = (j + 1) & mask) {
        if (!c->res[j].used)
            break;
        size_t h = res_home(c, c->res[j].id);
        if (((j - h) & mask) >= ((j - i) & mask)) {
            c->res[i] = c->res[j];
            i = j;
        }
    }
    c->res[i].used = 0;
    c->nres--;
    if (c->capres > 64 && 8 * c->nres < c->capres)
        res_resize(c, c->capres / 2); /* on failure the table simply stays big */
    return 1;
}

/* Moves finished requests out of the ring (lock held): each request's own
 * `done` hook finishes it (writes back OUT arguments, frees VE copies), then
 * the result is kept until collected; except request `want`'s, which goes
 * to *wstatus and *wval instead (returns 1 then): the caller collects it now,
 * and a request collected as soon as it finished never enters the table. */
#define NO_WANT UINT64_MAX
static int harvest(struct veo_thr_ctxt *c, uint64_t want, int *wstatus, uint64_t *wval)
{
    int got = 0;
    uint32_t done = atomic_load_explicit(&c->ring->done_seq, memory_order_acquire);
    uint32_t base = (uint32_t)c->harvested;
    uint32_t n = done - base;
    if (n > RVE_NSLOT) /* cannot happen unless the helper is corrupt */
        return 0;
    for (uint32_t k = 0; k < n; k++) {
        uint64_t id = c->harvested;
        struct rve_slot *s = &c->ring->slots[id % RVE_NSLOT];
        struct vh_req *q = &c->req[id % RVE_NSLOT];
        int status = (int)s->status;
        uint64_t val = s->retval;
        /* the slot is memory VE code can scribble over */
        if (status != RVE_CMD_OK && status != RVE_CMD_EXCEPTION)
            status = RVE_CMD_ERROR;
        if (q->done)
            q->done(c, q, s, &status);
        if (q->fail_as_value) {
            val = status == VEO_COMMAND_OK ? 0 : (uint64_t)-1;
            status = VEO_COMMAND_OK;
        }
        req_release(q);
        q->kind = 0;
        q->done = NULL;
        q->run = NULL;
        q->fail_as_value = false;
        bool discard = q->discard;
        q->discard = false;
        if (id == want && !discard) {
            *wstatus = status;
            *wval = val;
            got = 1;
        } else if (!discard) {
            add_result(c, id, status, val);
        }
        c->harvested++;
    }
    return got;
}

/* A VH-kind request finished: let the worker go on. It sets
 * worker_sleeping before it sleeps on the slot (it waits on one word at a
 * time), so the futex call is skipped while it spins. */
static void vh_finish(struct veo_thr_ctxt *c, struct rve_slot *s)
{
    atomic_store_explicit(&s->state, RVE_SLOT_VH_DONE, memory_order_seq_cst);
    if (atomic_load_explicit(&c->ring->worker_sleeping, memory_order_seq_cst))
        veo_i_futex(&s->state, FUTEX_WAKE, INT_MAX, NULL);
}

/* If the worker waits at a VH request, claim and run it (lock held on entry;
 * released while the request runs, since it may call VEO itself). Returns 1
 * if it ran one. */
static int progress_vh(struct veo_thr_ctxt *c)
{
    uint32_t done = atomic_load_explicit(&c->ring->done_seq, memory_order_acquire);
    uint64_t pos = c->harvested + (uint32_t)(done - (uint32_t)c->harvested);
    if (pos >= c->next_id)
        return 0;
    struct rve_slot *s = &c->ring->slots[pos % RVE_NSLOT];
    struct vh_req *q = &c->req[pos % RVE_NSLOT];
    if (q->kind != RVE_REQ_VH)
        return 0;
    uint32_t expect = RVE_SLOT_VH_WAIT;
    if (!atomic_compare_exchange_strong(&s->state, &expect, RVE_SLOT_VH_RUNNING))
        return 0;
    pthread_mutex_unlock(&c->lock);
    if (q->run)
        q->run(c, q, s);
    else
        s->status = RVE_CMD_ERROR;
    vh_finish(c, s);
    pthread_mutex_lock(&c->lock);
    return 1;
}

/* Sleeps (lock NOT held) until the ring's event counter moves past `seen`,
 * the helper dies, or a bounded timeout passes. Spins first. */
struct ev_arg {
    struct veo_thr_ctxt *c;
    uint32_t seen;
};

static int ev_moved(void *p)
{
    const struct ev_arg *a = p;
    return atomic_load_explicit(&a->c->ring->ev, memory_order_acquire) != a->seen ||
           veo_i_dead(a->c->proc);
}

static void wait_event(struct veo_thr_ctxt *c, uint32_t seen)
{
    struct rve_ring *r = c->ring;
    struct ev_arg a = {c, seen};
    /* The spin is the shared one; the sleep is not rcom_wait_change's: any
     * number of VH threads may wait on one ring, so they count themselves
     * in vh_waiters instead of setting a flag. */
    atomic_store_explicit(&r->vh_cpu, rcom_cpu(), memory_order_relaxed);
    /* the worker's CPU: the ring is VE code's to scribble over, but a
     * wrong value only makes us yield more or less often */
    if (rcom_spin_until_peer(ev_moved, &a, (uint64_t)c->proc->spin_us * 1000u, VEO_YIELD_EVERY,
                             &r->worker_cpu))
        return;
    atomic_store_explicit(&r->vh_cpu, -1, memory_order_relaxed);
    atomic_fetch_add_explicit(&r->vh_waiters, 1, memory_order_seq_cst);
    if (atomic_load_explicit(&r->ev, memory_order_seq_cst) == seen && !veo_i_dead(c->proc)) {
        /* The monitor wakes us if the helper dies; the timeout is a second
         * line of defence, never the mechanism. */
        struct timespec ts = {0, 100 * 1000 * 1000};
        veo_i_futex(&r->ev, FUTEX_WAIT, seen, &ts);
    }
    atomic_fetch_sub_explicit(&r->vh_waiters, 1, memory_order_relaxed);
}

static int fold(struct veo_thr_ctxt *c, uint64_t limit);

/* The next id with a slot free; recorded implicit requests take theirs
 * first (all of them when `force`, else only outside request blocks: one
 * recorded during another thread's block waits until it ends, as AVEO's
 * would wait for the block; the block's holder folded its own earlier ones
 * when the block began, veo_i_fold_pending). */
static uint64_t reserve(struct veo_thr_ctxt *c, bool force)
{
    for (;;) {
        if (c->closed || veo_i_dead(c->proc) ||
            atomic_load(&c->ring->state) == RVE_CTX_EXIT)
            return VEO_REQUEST_ID_INVALID;
        uint32_t seen = atomic_load_explicit(&c->ring->ev, memory_order_acquire);
        harvest(c, NO_WANT, NULL, NULL);
        int full = (force || !atomic_load_explicit(&c->blocks, memory_order_relaxed)) &&
                   fold(c, UINT64_MAX);
        if (!full && c->next_id - c->harvested < RVE_NSLOT)
            return c->next_id;
        if (progress_vh(c))
            continue;
        pthread_mutex_unlock(&c->lock);
        wait_event(c, seen);
        pthread_mutex_lock(&c->lock);
    }
}

uint64_t veo_i_reserve(struct veo_thr_ctxt *c)
{
    return reserve(c, false);
}

void veo_i_fold_pending(struct veo_thr_ctxt *c)
{
    pthread_mutex_lock(&c->lock);
    reserve(c, true);
    pthread_mutex_unlock(&c->lock);
}

struct rve_slot *veo_i_slot(struct veo_thr_ctxt *c, uint64_t id)
{
    return &c->ring->slots[id % RVE_NSLOT];
}

struct vh_req *veo_i_req(struct veo_thr_ctxt *c, uint64_t id)
{
    return &c->req[id % RVE_NSLOT];
}

struct rve_slot *veo_i_req_start(struct veo_thr_ctxt *c, uint64_t id, int kind, struct vh_req **qp)
{
    struct rve_slot *s = veo_i_slot(c, id);
    struct vh_req *q = veo_i_req(c, id);
    memset(q, 0, sizeof *q);
    q->kind = kind;
    s->kind = (uint32_t)kind;
    s->status = RVE_CMD_ERROR; /* until the worker (or the VH) finishes it */
    s->retval = 0;
    *qp = q;
    return s;
}

void veo_i_publish(struct veo_thr_ctxt *c)
{
    struct rve_ring *r = c->ring;
    c->next_id++;
    atomic_store_explicit(&r->submit_seq, seq_of(c, c->next_id), memory_order_seq_cst);
    if (atomic_load_explicit(&r->worker_sleeping, memory_order_seq_cst))
        veo_i_futex(&r->submit_seq, FUTEX_WAKE, 1, NULL);
}

/* A VH-kind request may run at submission (lock held) when every earlier
 * request of the context has finished, so the queue order holds, and it is
 * one of the library's own short memory operations: a user's
 * veo_call_async_vh function always runs from a wait, peek or sync, as in
 * AVEO, and a large copy does not hold the context lock for long. */
#define VH_RUN_NOW_MAX (64 * 1024)
static bool run_now(struct veo_thr_ctxt *c, const struct vh_req *q, uint64_t id)
{
    /* Only the memory operations: anything else (a user's function, an
     * AVEO hook request, which collects an earlier request and so takes
     * this context's lock) must not run with the lock held. */
    if (!q->run || q->op < VH_OP_WRITE || q->op > VH_OP_FREE || q->size > VH_RUN_NOW_MAX)
        return false;
    return atomic_load_explicit(&c->ring->done_seq, memory_order_acquire) == seq_of(c, id);
}

/* Writes the history entries of n requests that the worker will never see
 * (the caller counts them as finished itself, with the context idle, so
 * the history is the VH's to write: rve_proto.h). Entry i has the value
 * val + i * step (the fragments of a copy); mode is enum rve_hist_mode. */
static void hist_push(struct veo_thr_ctxt *c, int mode, uint64_t val, uint64_t step, uint64_t n)
{
    struct rve_hist *h = &c->ring->hist;
    if (mode == RVE_HIST_NONE || !n)
        return;
    /* only the last RVE_HIST entries can ever be read: count the others */
    uint64_t skip = n > RVE_HIST ? n - RVE_HIST : 0;
    if (skip)
        atomic_store_explicit(&h->count, atomic_load_explicit(&h->count, memory_order_relaxed) + skip,
                              memory_order_relaxed);
    for (uint64_t i = skip; i < n; i++)
        rve_hist_push(h, val + i * step, mode == RVE_HIST_EMPTY);
}

/* The request c->next_id, run at submission (lock held, every earlier
 * request finished: done_seq == submit_seq == its sequence number, and the
 * worker has nothing to do), is counted as finished here. submit_seq is
 * left alone: the worker, which may be spinning on it, is neither woken nor
 * disturbed; when the next request is published to it, it finds done_seq
 * ahead of its own count and steps over to it (rve_proto.h).
 * No VH thread can be waiting for this: whatever a waiter waits for (an
 * earlier request, a slot, a VH request to run) was finished before this
 * could run, and nobody else knows this id yet. So the store needs no
 * fence against the waiters' count (a release store, no atomic
 * read-modify-write in the common case); sleepers seen are told anyway. */
static void finish_at_submission(struct veo_thr_ctxt *c)
{
    struct rve_ring *r = c->ring;
    c->next_id++;
    atomic_store_explicit(&r->done_seq, seq_of(c, c->next_id), memory_order_release);
    if (atomic_load_explicit(&r->vh_waiters, memory_order_relaxed)) {
        atomic_fetch_add_explicit(&r->ev, 1, memory_order_seq_cst);
        veo_i_futex(&r->ev, FUTEX_WAKE, INT_MAX, NULL);
    }
}

static void fill_vh(struct veo_thr_ctxt *c, uint64_t id, const struct vh_req *tmpl)
{
    struct rve_slot *s = &c->ring->slots[id % RVE_NSLOT];
    struct vh_req *q = &c->req[id % RVE_NSLOT];
    *q = *tmpl;
    q->kind = RVE_REQ_VH;
    s->kind = RVE_REQ_VH;
    s->hist = RVE_HIST_NONE; /* the run hook may set it */
    s->hist_val = 0;
    s->nargs = 0;
    s->status = RVE_CMD_ERROR;
    s->retval = 0;
}

bool veo_i_try_run_now(struct veo_thr_ctxt *c, uint64_t id, const struct vh_req *tmpl)
{
    if (!run_now(c, tmpl, id))
        return false;
    /* Next in order: run it here and now, instead of a hand-off VH ->
     * worker -> waiting VH thread, and count it as finished ourselves, so
     * the next request finds the context drained too. */
    fill_vh(c, id, tmpl);
    struct rve_slot *s = &c->ring->slots[id % RVE_NSLOT];
    c->req[id % RVE_NSLOT].run(c, &c->req[id % RVE_NSLOT], s);
    atomic_store_explicit(&s->state, RVE_SLOT_VH_DONE, memory_order_relaxed);
    /* the worker never sees it: its history entry is ours to write (the
     * context is idle) */
    hist_push(c, (int)s->hist, s->hist == RVE_HIST_RETVAL ? s->retval : s->hist_val, 0, 1);
    finish_at_submission(c);
    return true;
}

/* Without a request block open, a submission takes c->lock alone (one lock
 * less on every request); blocks are seen under c->lock, also after
 * veo_i_reserve, which may drop it while the ring is full: a block that
 * began meanwhile goes first. The block's holder itself takes the
 * (recursive) submit lock again. */
uint64_t veo_i_submit_begin(struct veo_thr_ctxt *c, bool *held)
{
    *held = false;
    pthread_mutex_lock(&c->lock);
    for (;;) {
        if (!*held && atomic_load_explicit(&c->blocks, memory_order_relaxed)) {
            pthread_mutex_unlock(&c->lock);
            pthread_mutex_lock(&c->submit);
            pthread_mutex_lock(&c->lock);
            *held = true;
        }
        uint64_t id = veo_i_reserve(c);
        if (*held || id == VEO_REQUEST_ID_INVALID ||
            !atomic_load_explicit(&c->blocks, memory_order_relaxed))
            return id;
    }
}

void veo_i_submit_end(struct veo_thr_ctxt *c, bool held)
{
    pthread_mutex_unlock(&c->lock);
    if (held)
        pthread_mutex_unlock(&c->submit);
}

uint64_t veo_i_submit_vh(struct veo_thr_ctxt *c, const struct vh_req *tmpl)
{
    bool held;
    if (!c)
        return VEO_REQUEST_ID_INVALID;
    uint64_t id = veo_i_submit_begin(c, &held);
    if (id != VEO_REQUEST_ID_INVALID && !veo_i_try_run_now(c, id, tmpl)) {
        fill_vh(c, id, tmpl);
        atomic_store_explicit(&c->ring->slots[id % RVE_NSLOT].state, RVE_SLOT_IDLE,
                              memory_order_relaxed);
        veo_i_publish(c);
    }
    veo_i_submit_end(c, held);
    return id;
}

/* ---- implicit requests ----------------------------------------------
 * AVEO runs what the VH asks of a VE process outside any context (loading a
 * library, looking a symbol up, allocating, copying...) as requests of the
 * process's main context: they take its request ids and leave their
 * replies in the history VE code reads (rve_proto.h). Here that work is
 * done in the VH without a request; only its ids and entries are kept, at
 * the cheapest place: the caller records it in a small queue with one
 * atomic increment (no lock, nothing crosses to the helper), and whoever
 * next takes an id of the context (veo_i_reserve, under the lock) first
 * folds the queue into it, in order: so every request submitted after an
 * implicit one returned gets a later id, and its VE code finds the entry
 * before its own. Folding an idle context (the common case) counts the ids
 * as finished at once, as a request run at submission is, and writes the
 * entries straight into the ring's history; behind requests still in
 * flight each id becomes a NOTE slot that the worker passes in order,
 * writing the entry. No result is kept for them (nobody collects an
 * implicit request, in AVEO neither). Entry i of a record of n has the
 * value val + i * step (the pieces of a copy). */

/* the context is idle: everything submitted has finished and was harvested */
static bool ctx_idle(struct veo_thr_ctxt *c)
{
    return c->harvested == c->next_id &&
           atomic_load_explicit(&c->ring->done_seq, memory_order_acquire) == seq_of(c, c->next_id);
}

/* n ids of an idle context, finished at once with their entries (lock held) */
static void implicit_now(struct veo_thr_ctxt *c, uint64_t n, int mode, uint64_t val, uint64_t step)
{
    hist_push(c, mode, val, step, n);
    /* harvested moves with next_id: these ids never reach harvest (none of
     * their slots is read) */
    c->next_id += n - 1;
    c->harvested = c->next_id + 1;
    finish_at_submission(c);
}

/* one id as a NOTE slot behind the requests in flight (lock held, a slot
 * reserved: c->next_id - c->harvested < RVE_NSLOT) */
static void implicit_slot(struct veo_thr_ctxt *c, int mode, uint64_t val)
{
    struct vh_req *q;
    struct rve_slot *s = veo_i_req_start(c, c->next_id, RVE_REQ_NOTE, &q);
    q->discard = true;
    s->nargs = 0;
    s->hist = (uint64_t)mode;
    s->hist_val = val;
    veo_i_publish(c);
}

/* Folds the recorded implicit requests before ticket `limit` into ids and
 * history (lock held, finished requests harvested). Returns 0 when none is
 * left, 1 when the ring is full behind requests in flight (the caller waits
 * for one to finish and calls again). */
static int fold(struct veo_thr_ctxt *c, uint64_t limit)
{
    for (;;) {
        uint64_t h = atomic_load_explicit(&c->imp_head, memory_order_relaxed);
        if (h == atomic_load_explicit(&c->imp_tail, memory_order_acquire) || h == limit)
            return 0;
        struct veo_implicit *e = &c->impq[h % VEO_IMPQ];
        /* its recorder took the ticket and is writing it: a few stores,
         * unless it was preempted; it never waits for this lock */
        for (unsigned spin = 0; atomic_load_explicit(&e->seq, memory_order_acquire) != h + 1; spin++)
            if (spin > 100)
                sched_yield();
        uint64_t done = c->imp_done;
        if (ctx_idle(c)) {
            implicit_now(c, e->n - done, e->mode, e->val + done * e->step, e->step);
        } else {
            for (; done < e->n && c->next_id - c->harvested < RVE_NSLOT; done++)
                implicit_slot(c, e->mode, e->val + done * e->step);
            if (done < e->n) {
                c->imp_done = done;
                return 1;
            }
        }
        c->imp_done = 0;
        atomic_store_explicit(&c->imp_head, h + 1, memory_order_release);
    }
}

void veo_i_implicit(struct veo_thr_ctxt *c, uint64_t n, int mode, uint64_t val, uint64_t step)
{
    if (!c || !n)
        return;
    /* Inside a request block (ours: it goes in order with the block's
     * requests; another thread's: it waits for the block's end, as in
     * AVEO) the ids are taken at once, under the submission lock. */
    if (atomic_load_explicit(&c->blocks, memory_order_relaxed)) {
        veo_i_note(c, n, mode, val, step);
        return;
    }
    uint64_t t = atomic_fetch_add_explicit(&c->imp_tail, 1, memory_order_acq_rel);
    /* The queue is full only when nobody took an id of the context for
     * VEO_IMPQ implicit requests: fold it here then, but never wait for
     * the lock (a folder holding it may be waiting for an earlier record
     * whose recorder is here too). A gone context or process folds
     * nothing any more: the record is dropped. */
    while (t - atomic_load_explicit(&c->imp_head, memory_order_acquire) >= VEO_IMPQ) {
        if (c->closed || veo_i_dead(c->proc))
            return;
        if (!atomic_load_explicit(&c->blocks, memory_order_relaxed) &&
            pthread_mutex_trylock(&c->lock) == 0) {
            harvest(c, NO_WANT, NULL, NULL);
            fold(c, t); /* not our own record: we have not written it */
            pthread_mutex_unlock(&c->lock);
        } else {
            sched_yield();
        }
    }
    struct veo_implicit *e = &c->impq[t % VEO_IMPQ];
    e->n = n;
    e->mode = mode;
    e->val = val;
    e->step = step;
    atomic_store_explicit(&e->seq, t + 1, memory_order_release);
}

/* The same, for callers that need the ids (the pieces of a queued copy go
 * before the copy's own request, under the caller's request block): taken
 * at once, under the lock. Returns the last id, or VEO_REQUEST_ID_INVALID
 * if the context or its process is gone. */
uint64_t veo_i_note(struct veo_thr_ctxt *c, uint64_t n, int mode, uint64_t val, uint64_t step)
{
    bool held;
    uint64_t last = VEO_REQUEST_ID_INVALID;
    if (!c || !n)
        return last;
    uint64_t id = veo_i_submit_begin(c, &held); /* folds what was recorded */
    for (uint64_t i = 0; i < n && id != VEO_REQUEST_ID_INVALID; i++) {
        if (i)
            id = veo_i_reserve(c);
        if (id == VEO_REQUEST_ID_INVALID)
            break;
        if (ctx_idle(c)) {
            implicit_now(c, n - i, mode, val + i * step, step);
            last = c->next_id - 1;
            break;
        }
        implicit_slot(c, mode, val + i * step);
        last = id;
    }
    veo_i_submit_end(c, held);
    return last;
}

/* Common to peek (block = 0) and wait (block = 1). */
int veo_i_collect(struct veo_thr_ctxt *c, uint64_t id, uint64_t *retp, int block)
{
    int status;
    uint64_t val;
    if (!c)
        return -1;
    pthread_mutex_lock(&c->lock);
    for (;;) {
        uint32_t seen = atomic_load_explicit(&c->ring->ev, memory_order_acquire);
        if (harvest(c, id, &status, &val) || take_result(c, id, &status, &val)) {
            pthread_mutex_unlock(&c->lock);
            if (retp)
                *retp = val;
            return status;
        }
        /* never issued, or issued and already collected */
        if (id >= c->next_id || id < c->harvested) {
            pthread_mutex_unlock(&c->lock);
            return RVE_CMD_ERROR;
        }
        if (progress_vh(c))
            continue;
        if (veo_i_dead(c->proc)) {
            /* Give a dying helper's last completion (an exception report
             * written by its fault handler) a chance to be seen. */
            if (harvest(c, id, &status, &val) || take_result(c, id, &status, &val)) {
                pthread_mutex_unlock(&c->lock);
                if (retp)
                    *retp = val;
                return status;
            }
            pthread_mutex_unlock(&c->lock);
            return RVE_CMD_ERROR;
        }
        if (!block) {
            pthread_mutex_unlock(&c->lock);
            return VEO_COMMAND_UNFINISHED;
        }
        pthread_mutex_unlock(&c->lock);
        wait_event(c, seen);
        pthread_mutex_lock(&c->lock);
    }
}

/* Waits until everything submitted has finished (lock held on entry and
 * exit). Returns 0, or -ESRCH if the helper died first. */
int veo_i_ctx_drain_locked(struct veo_thr_ctxt *c)
{
    for (;;) {
        uint32_t seen = atomic_load_explicit(&c->ring->ev, memory_order_acquire);
        harvest(c, NO_WANT, NULL, NULL);
        if (c->harvested == c->next_id)
            return 0;
        if (veo_i_dead(c->proc))
            return -ESRCH;
        if (progress_vh(c))
            continue;
        pthread_mutex_unlock(&c->lock);
        wait_event(c, seen);
        pthread_mutex_lock(&c->lock);
    }
}

int veo_i_ctx_drain(struct veo_thr_ctxt *c)
{
    pthread_mutex_lock(&c->lock);
    int rc = veo_i_ctx_drain_locked(c);
    pthread_mutex_unlock(&c->lock);
    return rc;
}
