/* Copies between VH memory and the VE memory of one process: small ones
 * inline through the transfer ring (RVE_XFER_CTX), larger ones with one
 * process_vm_readv/writev call, or through the ring in batches where those
 * calls are refused. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/uio.h>

#include "veo_internal.h"
#include "wait.h"

/* A small read finished (context lock held): the data is in the slot. */
static void read_done(struct veo_thr_ctxt *c, struct vh_req *q, const struct rve_slot *s,
                      int *status)
{
    (void)c;
    if (*status == VEO_COMMAND_OK)
        memcpy(q->hptr, s->args, q->size);
}

/* The result of a transfer-ring request, waited for at most until
 * `deadline`: a copy runs no VE function, so a VE process whose transfer
 * worker does not answer in RASHM_VE_TIMEOUT_MS is wedged (VE code can
 * scribble over it) and is killed (veo_i_wedged). Spins for the spin time,
 * then polls with sleeps growing to 1 ms. */
static int collect_bounded(struct veo_proc_handle *h, struct veo_thr_ctxt *c, uint64_t id,
                           uint64_t *val, uint64_t deadline)
{
    uint64_t spin_end = rcom_now_ns() + (uint64_t)h->spin_us * 1000u;
    unsigned sleep_us = 20;
    for (;;) {
        int st = veo_i_collect(c, id, val, 0);
        if (st != VEO_COMMAND_UNFINISHED)
            return st;
        uint64_t now = rcom_now_ns();
        if (now >= deadline) {
            veo_i_wedged(h);
            return VEO_COMMAND_ERROR;
        }
        if (now < spin_end)
            continue;
        usleep(sleep_us);
        if (sleep_us < 1000)
            sleep_us *= 2;
    }
}

/* A small veo_read_mem/veo_write_mem through the transfer ring (the data
 * travels inline in the slot). Returns 0 or -errno. */
static int xfer(struct veo_proc_handle *h, int write, void *vh, uint64_t ve, size_t size)
{
    /* Up to RVE_XFER_PIPE bytes, in RVE_INLINE_MAX pieces that are all in
     * flight at once: the worker copies one while the VH fills the next. */
    enum { MAXCH = RVE_XFER_PIPE / RVE_INLINE_MAX };
    struct veo_thr_ctxt *c = h->xfer;
    uint64_t ids[MAXCH], val = 0;
    int n = 0, rc = 0;
    if (size > RVE_XFER_PIPE)
        return -EINVAL;
    pthread_mutex_lock(&c->lock);
    for (size_t off = 0; off < size; off += RVE_INLINE_MAX) {
        size_t len = size - off < RVE_INLINE_MAX ? size - off : RVE_INLINE_MAX;
        uint64_t id = veo_i_reserve(c);
        if (id == VEO_REQUEST_ID_INVALID) {
            rc = -ESRCH;
            break;
        }
        struct vh_req *q;
        struct rve_slot *s = veo_i_req_start(c, id, write ? RVE_REQ_WRITE : RVE_REQ_READ, &q);
        q->done = write ? NULL : read_done;
        q->hptr = (char *)vh + off;
        q->size = len;
        s->addr = ve + off;
        s->reserved[0] = len;
        s->hist = RVE_HIST_NONE; /* the transfer ring is no context of VE code's */
        if (write)
            memcpy(s->args, (char *)vh + off, len);
        veo_i_publish(c);
        ids[n++] = id;
    }
    pthread_mutex_unlock(&c->lock);
    uint64_t deadline = rcom_now_ns() + (uint64_t)h->timeout_ms * 1000000u;
    for (int i = 0; i < n; i++)
        if (collect_bounded(h, c, ids[i], &val, deadline) != VEO_COMMAND_OK && rc == 0)
            rc = veo_i_dead(h) ? -ESRCH : -EFAULT;
    return rc;
}

/* One kernel copy between the VH and the helper's address space: the VH is
 * the helper's parent, which ptrace access rules (and Yama, when present)
 * allow. No staging buffer, so memory stays bounded for any size. */
int veo_i_rw(struct veo_proc_handle *h, int write, void *vh, uint64_t ve, size_t size)
{
    size_t done = 0;
    if (veo_i_dead(h))
        return -ESRCH;
    /* Within VE memory: a memcpy through our own mapping of it (no system
     * call, nothing VE code can stall). Bounds come from our own state: the
     * header is memory VE code can write. Not while VE-VE shared memory is
     * attached: the VE process then maps another process's pages over part
     * of its VE memory, which our mapping of the memfd does not show. */
    uint64_t base = RVE_MEM_BASE + (uint64_t)h->venode * RVE_MEM_STRIDE;
    if (h->vemem && !h->ring_only && !atomic_load_explicit(&h->veshm_attached, memory_order_relaxed) &&
        ve >= base && size <= h->vemem_size && ve - base <= h->vemem_size - size) {
        char *p = h->vemem + (ve - base);
        if (write)
            memcpy(p, vh, size);
        else
            memcpy(vh, p, size);
        return 0;
    }
    /* Measured: beyond one slot, pipelining pieces through the ring is no
     * faster than one process_vm_* call, so only the smallest go inline. */
    if (size <= RVE_INLINE_MAX)
        return xfer(h, write, vh, ve, size);
    /* process_vm_* reaches the VE process itself, VE-VE shared memory
     * attached there included */
    if (atomic_load_explicit(&h->no_pvm, memory_order_relaxed))
        goto ring;
    while (done < size) {
        struct iovec l = {(char *)vh + done, size - done};
        struct iovec r = {(void *)(uintptr_t)(ve + done), size - done};
        ssize_t n = write ? process_vm_writev(h->ve_pid, &l, 1, &r, 1, 0)
                          : process_vm_readv(h->ve_pid, &l, 1, &r, 1, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            /* A seccomp filter (containers) or a kernel without the calls:
             * fall back to the transfer ring for good. */
            if ((errno == EPERM || errno == ENOSYS) && !veo_i_dead(h)) {
                atomic_store(&h->no_pvm, 1);
                goto ring;
            }
            return -errno;
        }
        if (n == 0)
            return -EFAULT;
        done += (size_t)n;
    }
    return 0;

ring:
    /* Slower path: RVE_XFER_PIPE bytes per batch of ring requests. */
    while (done < size) {
        size_t n = size - done < RVE_XFER_PIPE ? size - done : RVE_XFER_PIPE;
        int rc = xfer(h, write, (char *)vh + done, ve + done, n);
        if (rc < 0)
            return rc;
        done += n;
    }
    return 0;
}

/* ---- AVEO's request ids of a copy --------------------------------------
 * AVEO cuts a copy into pieces, each one request of the context (the
 * synchronous veo_read_mem/veo_write_mem on the main context): a client
 * counting ids sees them, and VE code sees each piece's reply in its
 * history (a read's reply leads with the VH address the piece goes to, a
 * write's is an empty acknowledgement). The pieces do not change how rashm
 * copies; only their number is counted, by AVEO's rule: pieces of at most
 * 4 MiB (1 MiB when the context's channel buffer is smaller than two of
 * those, i.e. VE_OMP_NUM_THREADS was 0, 1 or 2 when it was made); a copy of
 * less than five pieces is cut more evenly: above 2 MiB in 5 (read) or 4
 * (write) pieces, above 1 MiB in 4 or 3, above a third of 2 MiB in 2, else
 * one; sizes rounded up to 8 bytes. VEO_RECVFRAG/VEO_SENDFRAG (piece) and
 * VEO_RECVCUT/VEO_SENDCUT (the 2 MiB) change this in AVEO, which reads them
 * at every copy; they are read once here. An empty copy is one request
 * that stays in the VH (no history entry). The piece size of a context is
 * set when it is made (veo_i_aveo_frag, ring.c). */
#define AVEO_PIECE (4ull << 20)
#define AVEO_CUT (2ull << 20)

static uint64_t env_size(const char *name)
{
    const char *e = getenv(name);
    long v = e ? atol(e) : 0;
    return v > 0 ? (uint64_t)v : 0;
}

uint64_t veo_i_copy_ids(const struct veo_thr_ctxt *c, size_t size, int write, uint64_t *step)
{
    static _Atomic uint64_t knobs[4]; /* recvfrag, sendfrag, recvcut, sendcut (0: AVEO's default) */
    static _Atomic int knobs_read;
    if (!atomic_load_explicit(&knobs_read, memory_order_acquire)) {
        atomic_store(&knobs[0], env_size("VEO_RECVFRAG"));
        atomic_store(&knobs[1], env_size("VEO_SENDFRAG"));
        atomic_store(&knobs[2], env_size("VEO_RECVCUT"));
        atomic_store(&knobs[3], env_size("VEO_SENDCUT"));
        atomic_store_explicit(&knobs_read, 1, memory_order_release);
    }
    *step = 0;
    if (size == 0)
        return 1;
    uint64_t piece = atomic_load_explicit(&knobs[write ? 1 : 0], memory_order_relaxed);
    uint64_t cut = atomic_load_explicit(&knobs[write ? 3 : 2], memory_order_relaxed);
    if (!piece)
        piece = c && c->aveo_frag ? c->aveo_frag : AVEO_PIECE;
    if (!cut)
        cut = AVEO_CUT;
    if (size < 5 * piece) {
        uint64_t parts = size > cut ? (write ? 4 : 5) : size > cut / 2 ? (write ? 3 : 4)
                       : size > cut / 3 ? 2 : 1;
        piece = ((uint64_t)size / parts + 7) & ~7ull;
        if (parts == 1) { /* the common case: no division below */
            *step = piece;
            return 1;
        }
    }
    *step = piece;
    return ((uint64_t)size + piece - 1) / piece;
}

void veo_i_note_copy(struct veo_proc_handle *h, int write, const void *vh, size_t size)
{
    struct veo_thr_ctxt *c = h->ctx[0];
    uint64_t step, n = veo_i_copy_ids(c, size, write, &step);
    int mode = size == 0 ? RVE_HIST_NONE : write ? RVE_HIST_EMPTY : RVE_HIST_VALUE;
    veo_i_implicit(c, n, mode, (uint64_t)(uintptr_t)vh, step);
}

VEO_API int veo_read_mem(struct veo_proc_handle *h, void *dst, uint64_t src, size_t size)
{
    if (!h || (!dst && size)) {
        errno = EINVAL;
        return -1;
    }
    int rc = veo_i_rw(h, 0, dst, src, size);
    if (rc != -ESRCH)
        veo_i_note_copy(h, 0, dst, size);
    if (rc < 0) {
        errno = -rc;
        return -1;
    }
    return 0;
}

VEO_API int veo_write_mem(struct veo_proc_handle *h, uint64_t dst, const void *src, size_t size)
{
    if (!h || (!src && size)) {
        errno = EINVAL;
        return -1;
    }
    int rc = veo_i_rw(h, 1, (void *)(uintptr_t)src, dst, size);
    if (rc != -ESRCH)
        veo_i_note_copy(h, 1, src, size);
    if (rc < 0) {
        errno = -rc;
        return -1;
    }
    return 0;
}
