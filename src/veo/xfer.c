/* Copies between VH memory and the VE memory of one process: small ones
 * inline through the transfer ring (RVE_XFER_CTX), larger ones with one
 * process_vm_readv/writev call, or through the ring in batches where those
 * calls are refused. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/uio.h>

#include "veo_internal.h"

/* A small read finished (context lock held): the data is in the slot. */
static void read_done(struct veo_thr_ctxt *c, struct vh_req *q, const struct rve_slot *s,
                      int *status)
{
    (void)c;
    if (*status == VEO_COMMAND_OK)
        memcpy(q->hptr, s->args, q->size);
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
        struct rve_slot *s = veo_i_slot(c, id);
        struct vh_req *q = veo_i_req(c, id);
        memset(q, 0, sizeof *q);
        q->kind = write ? RVE_REQ_WRITE : RVE_REQ_READ;
        q->done = write ? NULL : read_done;
        q->hptr = (char *)vh + off;
        q->size = len;
        s->kind = (uint32_t)q->kind;
        s->addr = ve + off;
        s->reserved[0] = len;
        s->status = VEO_COMMAND_ERROR;
        if (write)
            memcpy(s->args, (char *)vh + off, len);
        veo_i_publish(c);
        ids[n++] = id;
    }
    pthread_mutex_unlock(&c->lock);
    for (int i = 0; i < n; i++)
        if (veo_i_collect(c, ids[i], &val, 1) != VEO_COMMAND_OK && rc == 0)
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
    /* Measured: beyond one slot, pipelining pieces through the ring is no
     * faster than one process_vm_* call, so only the smallest go inline. */
    if (size <= RVE_INLINE_MAX)
        return xfer(h, write, vh, ve, size);
    /* VE-VE shared memory is mapped in the VE process only: the process
     * the VH started (process_vm_*'s target) has its own pages there. */
    if (atomic_load_explicit(&h->no_pvm, memory_order_relaxed) ||
        atomic_load_explicit(&h->veshm_attached, memory_order_relaxed))
        goto ring;
    while (done < size) {
        struct iovec l = {(char *)vh + done, size - done};
        struct iovec r = {(void *)(uintptr_t)(ve + done), size - done};
        ssize_t n = write ? process_vm_writev(h->pid, &l, 1, &r, 1, 0)
                          : process_vm_readv(h->pid, &l, 1, &r, 1, 0);
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

VEO_API int veo_read_mem(struct veo_proc_handle *h, void *dst, uint64_t src, size_t size)
{
    if (!h || (!dst && size)) {
        errno = EINVAL;
        return -1;
    }
    int rc = veo_i_rw(h, 0, dst, src, size);
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
    if (rc < 0) {
        errno = -rc;
        return -1;
    }
    return 0;
}
