/* Internal state of librashm-veo (the VEO VH library). Not installed. */
#ifndef RASHM_VEO_INTERNAL_H
#define RASHM_VEO_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "ve_offload.h"
#include "veo_proto.h"

#define VEO_API __attribute__((visibility("default")))

/* ---- privileged processes (trust.c) ----------------------------------- */
/* 1 when the kernel started this program with AT_SECURE (setuid, setgid,
 * file capabilities): no RASHM_* variable applies then. */
int veo_i_secure(void);
/* 0 when path is a regular file that only root or the effective user can
 * change (itself and every directory above it), else -EPERM/-errno. */
int veo_i_trusted_file(const char *path);

/* ---- VE memory allocator (kept on the VH side, see mem.c) ------------- */
struct ve_extent {
    uint64_t off, size;
    int used;
};

struct ve_alloc {
    pthread_mutex_t lock;
    uint64_t base, cap;
    struct ve_extent *ext; /* sorted by offset, covering [0, cap) */
    size_t n, max;
};

int ve_alloc_init(struct ve_alloc *a, uint64_t base, uint64_t cap);
void ve_alloc_fini(struct ve_alloc *a);
int ve_alloc_get(struct ve_alloc *a, uint64_t size, uint64_t *addr); /* 0/-ENOMEM/-EINVAL */
int ve_alloc_put(struct ve_alloc *a, uint64_t addr);                 /* 0/-EINVAL */

/* ---- arguments ---------------------------------------------------------- */
struct veo_args {
    struct rve_arg a[RVE_MAX_ARGS];
    char *buf[RVE_MAX_ARGS]; /* VH buffer of a stack argument */
    int intent[RVE_MAX_ARGS];
    int n; /* 1 + highest index set */
};

/* ---- requests as seen by the VH ----------------------------------------- */
enum vh_op {
    VH_OP_FUNC = 1, /* veo_call_async_vh */
    VH_OP_WRITE,    /* veo_async_write_mem: VH -> VE */
    VH_OP_READ,     /* veo_async_read_mem: VE -> VH */
    VH_OP_ALLOC,    /* veo_alloc_mem_async */
    VH_OP_FREE,     /* veo_free_mem_async */
};

struct stack_copy {
    uint64_t ve; /* VE copy (freed at harvest), or offset in the slot payload */
    char *vh;    /* VH buffer to write back, NULL for IN */
    size_t len;
    int in_slot; /* the copy is in the slot's payload */
};

struct vh_req {
    int kind; /* RVE_REQ_CALL / RVE_REQ_VH */
    int op;   /* enum vh_op for RVE_REQ_VH */
    uint64_t (*fn)(void *);
    void *arg;
    void *hptr;
    uint64_t ve;
    size_t size;
    struct stack_copy *copies;
    int ncopies;
};

struct veo_result {
    uint64_t id;
    uint64_t val;
    int status;
};

struct veo_thr_ctxt {
    struct veo_proc_handle *proc;
    int idx; /* ring index in the helper */
    struct rve_ring *ring;
    pthread_mutex_t lock;
    uint64_t next_id;   /* ids handed out: [0, next_id) */
    uint64_t harvested; /* requests taken out of the ring: [0, harvested) */
    struct vh_req req[RVE_NSLOT];
    struct veo_result *res; /* finished, not yet collected */
    size_t nres, capres;
    bool closed;
};

struct veo_thr_ctxt_attr {
    size_t stacksize;
};

struct veo_proc_handle {
    pthread_mutex_t lock; /* control channel and the context table */
    int ident;            /* hmem identifier 0..15 */
    int venode;
    pid_t pid;
    int chan;
    int pidfd;
    int stop_efd; /* wakes the monitor at destroy */
    pthread_t monitor;
    bool monitor_started;
    void *shm;
    struct rve_header *hdr;
    _Atomic int dead;
    _Atomic int no_pvm; /* process_vm_* refused here: copy through the ring */
    uint32_t spin_us;
    struct ve_alloc mem;
    struct veo_thr_ctxt *ctx[RVE_MAX_CTX]; /* by ring index; [0] = main */
    struct veo_thr_ctxt *xfer;             /* ring RVE_XFER_CTX: small copies */
    struct veo_thr_ctxt *open[RVE_MAX_CTX]; /* in opening order */
    int nopen;
};

/* proc.c */
int veo_i_control(struct veo_proc_handle *h, struct rve_msg *m, struct rve_reply *rep);
struct veo_proc_handle *veo_i_proc_by_ident(int ident);
int veo_i_rw(struct veo_proc_handle *h, int write, void *vh, uint64_t ve, size_t size);
static inline bool veo_i_dead(struct veo_proc_handle *h)
{
    return atomic_load_explicit(&h->dead, memory_order_acquire) != 0;
}

/* ctx.c */
struct veo_thr_ctxt *veo_i_ctx_new(struct veo_proc_handle *h, int idx);
void veo_i_ctx_free(struct veo_thr_ctxt *c);
void veo_i_ctx_wake_all(struct veo_thr_ctxt *c);
int veo_i_ctx_drain(struct veo_thr_ctxt *c);
int veo_i_xfer(struct veo_proc_handle *h, int write, void *vh, uint64_t ve, size_t size);

/* misc */
long veo_i_futex(_Atomic uint32_t *addr, int op, uint32_t val, const struct timespec *ts);
uint64_t veo_i_now_ns(void);

#endif
