/* Internal state of librashm-veo (the VEO VH library). Not installed.
 *
 * Layers, lowest first; a file calls only into its own layer or lower ones
 * (the cycle check of the build verifies that the file graph is acyclic):
 *   base     chan.c (control channel, futex, clock), mem.c (VE memory
 *            allocator), trust.c (privileged processes), config.c (RASHM_VE_*)
 *   ring     ring.c: one context's request ring (submit, harvest, wait,
 *            results); knows nothing of what a request means: the layer
 *            that submits one attaches its `done`/`run` hooks
 *   process  spawn.c (finding, starting, reaping the helper), proc.c
 *            (process life cycle, hmem identifiers), lib.c (libraries,
 *            symbols), xfer.c (VH<->VE copies)
 *   calls    call.c (calls, asynchronous requests, results), ctx.c (opening
 *            and closing contexts)
 *   faces    args.c, hmem.c, rpc.c (the VE-side runtime's entry points),
 *            vhveshm.c, vedma.c (VH-VE SHM and DMA wrappers), dev_ve.c (the
 *            software VE as a device of src/dev)
 * Every public entry point (VEO_API) converts -errno to its vendor
 * convention itself, exactly once; nothing below it touches errno. */
#ifndef RASHM_VEO_INTERNAL_H
#define RASHM_VEO_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "ve_offload.h"
#include "rve_proto.h"

#define VEO_API __attribute__((visibility("default")))

/* The helper writes RVE_CMD_* into slot.status and the VH returns it to its
 * callers as a VEO_COMMAND_* value. */
_Static_assert((int)RVE_CMD_OK == (int)VEO_COMMAND_OK, "RVE_CMD_OK");
_Static_assert((int)RVE_CMD_EXCEPTION == (int)VEO_COMMAND_EXCEPTION, "RVE_CMD_EXCEPTION");
_Static_assert((int)RVE_CMD_ERROR == (int)VEO_COMMAND_ERROR, "RVE_CMD_ERROR");
_Static_assert(RVE_MAX_ARGS == VEO_MAX_NUM_ARGS, "RVE_MAX_ARGS");

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
/* the same for a process: -EINVAL (no h), -ESRCH (its helper is gone) too */
int veo_i_alloc_mem(struct veo_proc_handle *h, size_t size, uint64_t *addr);
/* backs [ve, ve + size) of VE memory now, as a card's allocation is (best effort) */
void veo_i_back_mem(struct veo_proc_handle *h, uint64_t ve, uint64_t size);
int veo_i_free_mem(struct veo_proc_handle *h, uint64_t addr);

/* ---- configuration (config.c) ------------------------------------------ */
struct ve_config {
    int nodes;
    int numa;
    uint64_t mem;
    uint32_t spin_us;
    bool no_pvm;
    int timeout_ms; /* RASHM_VE_TIMEOUT_MS */
};
/* VE node -1 means $VE_NODE_NUMBER (default 0); 0 + *venode, *c or -EINVAL */
int veo_i_config(int *venode, struct ve_config *c);

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

struct veo_thr_ctxt;
struct vh_req;
struct veo_symcache;
/* Called by the ring when the request finished (context lock held): may
 * change *status, must not block on this context. */
typedef void vh_done_fn(struct veo_thr_ctxt *c, struct vh_req *q, const struct rve_slot *s,
                        int *status);
/* Runs a VH-kind request (context lock NOT held) and fills s->status/retval. */
typedef void vh_run_fn(struct veo_thr_ctxt *c, struct vh_req *q, struct rve_slot *s);

struct vh_req {
    int kind; /* RVE_REQ_* */
    vh_done_fn *done;
    vh_run_fn *run;
    int op;   /* enum vh_op for RVE_REQ_VH */
    uint64_t (*fn)(void *);
    void *arg;
    void *hptr;
    uint64_t ve;
    size_t size;
    struct stack_copy *copies; /* owned: freed when the request is harvested */
    int ncopies;
    bool fail_as_value; /* result is VEO_COMMAND_OK with 0, or -1 on failure */
    bool discard;       /* an implicit request (veo_i_note): no result is kept */
    uint64_t hist_val;  /* a queued read's history entry (its last piece's VH address) */
};

struct veo_result {
    uint64_t id;
    uint64_t val;
    int status;
    int used;
};

/* an implicit request recorded (ring.c, veo_i_implicit) */
#define VEO_IMPQ 64
struct veo_implicit {
    _Atomic uint64_t seq; /* ticket + 1 once written */
    uint64_t n, val, step;
    int mode;
};

struct veo_thr_ctxt {
    struct veo_proc_handle *proc;
    int idx; /* ring index in the helper */
    struct rve_ring *ring;
    pthread_mutex_t lock;
    uint64_t next_id;   /* ids handed out: [0, next_id) */
    uint64_t harvested; /* requests taken out of the ring: [0, harvested) */
    struct vh_req req[RVE_NSLOT];
    /* finished, not yet collected: an open-addressing table keyed by id
     * (linear probing, backward-shift deletion), so keeping, finding and
     * dropping one costs O(1) however many wait uncollected; its size
     * follows the number kept (grown at 1/2 full, shrunk at 1/8) */
    struct veo_result *res;
    size_t nres, capres;
    bool closed;
    pthread_mutex_t submit; /* recursive: request blocks (hook.c) */
    /* holders of `submit` across several submissions (request blocks, a
     * hooked asynchronous allocation and its hook's request): while none
     * is, a single submission takes only `lock` (veo_i_submit_begin) */
    _Atomic int blocks;
    /* AVEO's largest piece of a copy on this context (its channel's buffer
     * follows VE_OMP_NUM_THREADS when the context is made): what the
     * request ids of a copy are counted in (veo_i_copy_ids) */
    uint64_t aveo_frag;
    /* implicit requests recorded, not yet given ids (ring.c): tickets
     * [imp_head, imp_tail); imp_head and imp_done change under `lock` */
    _Atomic uint64_t imp_tail, imp_head;
    uint64_t imp_done; /* ids already given of the record at imp_head */
    struct veo_implicit impq[VEO_IMPQ];
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
    /* the VE-side runtime's entry points (rpc.c), resolved on first use */
    pthread_mutex_t rt_lock;
    bool rt_loaded;
    uint64_t rt_sym[RVE_RPC_COUNT];
    bool vc_loaded; /* the VE-process calls (RVE_VECALL_LIST), rt_lock */
    uint64_t vc_sym[RVE_VECALL_COUNT];
    /* VE-VE shared memory attached into this process (veshm.c): while
     * non-zero, transfers go through the ring (the VE process's own
     * mapping), not process_vm_* into the process the VH started */
    _Atomic int veshm_attached;
    struct rashm_dev *dev; /* the process as a device of src/dev (dev_ve.c) */
    /* the symbols found so far (lib.c), made on first use */
    _Atomic(struct veo_symcache *) syms;
    /* the device process's RPC socket (RVE_DEV_FD there; rpc.c) */
    int devsock;
    /* the VE process (the device process's child, which runs VE code): the
     * target of process_vm_* transfers, which may name VE code's own
     * memory as well as VE memory (xfer.c) */
    pid_t ve_pid;
    /* VE memory (the memfd RVE_MEM_FD) mapped here, at another address
     * than the VE one (that range stays PROT_NONE): transfers within VE
     * memory are a memcpy (xfer.c) */
    char *vemem;
    uint64_t vemem_size;
    bool ring_only; /* RASHM_VE_NO_PVM: every transfer through the ring */
    pthread_mutex_t dev_lock;
    uint32_t dev_seq;
    int timeout_ms; /* RASHM_VE_TIMEOUT_MS */
};

/* chan.c */
long veo_i_futex(_Atomic uint32_t *addr, int op, uint32_t val, const struct timespec *ts);
/* one control request and its reply; 0, the helper's -errno, or -ESRCH */
int veo_i_control(struct veo_proc_handle *h, struct rve_msg *m, struct rve_reply *rep);
static inline bool veo_i_dead(struct veo_proc_handle *h)
{
    return atomic_load_explicit(&h->dead, memory_order_acquire) != 0;
}

/* Spinning waiters (VH and helper) offer the core every this many polls:
 * a few microseconds, longer than an idle round trip (so that one pays no
 * system call), so a round trip between a VH thread and a worker that
 * share a core, or a core with a CPU hog, costs microseconds, not a spin
 * budget. */
#ifndef VEO_YIELD_EVERY
#define VEO_YIELD_EVERY 64
#endif

/* ring.c (every function but ctx_new/free/drain is called with c->lock held) */
struct veo_thr_ctxt *veo_i_ctx_new(struct veo_proc_handle *h, int idx);
/* AVEO's largest piece of a copy on a context made now (VE_OMP_NUM_THREADS) */
uint64_t veo_i_aveo_frag(void);
void veo_i_ctx_free(struct veo_thr_ctxt *c);
/* the next request id, or VEO_REQUEST_ID_INVALID if the context or the
 * helper is gone; may drop and retake the lock while the ring is full */
uint64_t veo_i_reserve(struct veo_thr_ctxt *c);
/* the slot and VH record of a reserved id */
struct rve_slot *veo_i_slot(struct veo_thr_ctxt *c, uint64_t id);
struct vh_req *veo_i_req(struct veo_thr_ctxt *c, uint64_t id);
/* request id's slot and VH record, reset for a new request of `kind` (slot
 * status "error" and retval 0 until it is finished); *qp = the record */
struct rve_slot *veo_i_req_start(struct veo_thr_ctxt *c, uint64_t id, int kind, struct vh_req **qp);
/* hands the reserved slot to the worker */
void veo_i_publish(struct veo_thr_ctxt *c);
/* One submission: returns with c->lock held (and c->submit when a request
 * block of any thread is open; *held says so), and the reserved id or
 * VEO_REQUEST_ID_INVALID; a request block's submissions stay together. */
uint64_t veo_i_submit_begin(struct veo_thr_ctxt *c, bool *held);
void veo_i_submit_end(struct veo_thr_ctxt *c, bool held);
/* queues a VH-kind request (takes the lock); its id or VEO_REQUEST_ID_INVALID */
uint64_t veo_i_submit_vh(struct veo_thr_ctxt *c, const struct vh_req *tmpl);
/* Runs VH-kind request tmpl as the reserved id at once, in this thread, if
 * every earlier request has finished and it is one of the library's short
 * memory operations (it is then finished: no worker involved). Returns
 * false, with nothing done, otherwise. */
bool veo_i_try_run_now(struct veo_thr_ctxt *c, uint64_t id, const struct vh_req *tmpl);
/* n implicit requests: ids of c for work the VH did already, each leaving
 * its entry (enum rve_hist_mode, value val + i * step) in c's history, in
 * queue order (see ring.c). veo_i_implicit records them without a lock;
 * they take their ids before the next request of c. veo_i_note takes them
 * at once and returns the last id, or VEO_REQUEST_ID_INVALID. */
void veo_i_implicit(struct veo_thr_ctxt *c, uint64_t n, int mode, uint64_t val, uint64_t step);
uint64_t veo_i_note(struct veo_thr_ctxt *c, uint64_t n, int mode, uint64_t val, uint64_t step);
/* gives the recorded implicit requests of c their ids now (takes the lock):
 * at the start of a request block, whose requests fold none */
void veo_i_fold_pending(struct veo_thr_ctxt *c);
/* VEO_COMMAND_* of request id (takes the lock); block = 0: peek */
int veo_i_collect(struct veo_thr_ctxt *c, uint64_t id, uint64_t *retp, int block);
/* waits until everything submitted finished; 0 or -ESRCH */
int veo_i_ctx_drain(struct veo_thr_ctxt *c);
int veo_i_ctx_drain_locked(struct veo_thr_ctxt *c);

/* spawn.c: the helper's path (0 or -ENOENT), its start with the channel's
 * two fds moved to RVE_CHAN_FD/RVE_SHM_FD, its end (SIGKILL after a grace
 * period) */
int veo_i_find_helper(char *out, size_t len);
int veo_i_spawn_helper(const char *path, int chan_child, int memfd, int dev_child, int vemem_fd,
                       pid_t *pid);
/* chan.c: the software VE did not answer a request that runs no VE function
 * within h->timeout_ms: it is wedged. Kills it (the device process, which
 * takes the VE process along); the monitor then fails every waiter. */
void veo_i_wedged(struct veo_proc_handle *h);
/* chan.c: waits until fd is readable, the helper died (-ESRCH) or
 * h->timeout_ms passed since deadline_ns - timeout (-ETIMEDOUT) */
int veo_i_wait_answer(struct veo_proc_handle *h, int fd, uint64_t deadline_ns);
void veo_i_reap(pid_t pid, int pidfd);

/* venv.c: the VE process's environment (VE_NAME also as NAME); a
 * calloc'ed array of pointers into environ, 0 or -ENOMEM */
int veo_i_ve_environ(char ***out);

/* proc.c */
struct veo_proc_handle *veo_i_proc_by_ident(int ident);

/* lib.c */
int veo_i_get_sym(struct veo_proc_handle *h, uint64_t libhdl, const char *name, uint64_t *addr);
int veo_i_load_library(struct veo_proc_handle *h, const char *name, uint64_t *handle);
/* veo_get_sym's way: through the process's symbol cache, and an implicit
 * request of the main context when the helper is asked */
int veo_i_get_sym_cached(struct veo_proc_handle *h, uint64_t libhdl, const char *name,
                         uint64_t *addr);
/* drops the symbol cache of a process (at its end) */
void veo_i_sym_cache_free(struct veo_proc_handle *h);

/* xfer.c: 0 or -errno */
int veo_i_rw(struct veo_proc_handle *h, int write, void *vh, uint64_t ve, size_t size);
/* xfer.c: how many request ids AVEO spends on a copy of size bytes on c (its
 * pieces: at least 1), and the size of each piece but the last (*step) */
uint64_t veo_i_copy_ids(const struct veo_thr_ctxt *c, size_t size, int write, uint64_t *step);
/* the implicit requests of a synchronous copy on h's main context: ids and
 * history entries as AVEO's (a read leaves the VH address of each piece) */
void veo_i_note_copy(struct veo_proc_handle *h, int write, const void *vh, size_t size);

/* call.c */
uint64_t veo_i_call_async(struct veo_thr_ctxt *c, uint64_t addr, struct veo_args *args);

/* rpc.c: runs rashm_ve_rpc_<which> (enum rve_rpc) on h's main context with
 * args[0..nargs of the table), and out (8 bytes) where the table says so.
 * The VE function's value (>= 0 or -errno), or -EINVAL (h NULL), -ENOTSUP
 * (runtime library or symbol not loadable), -EBUSY (the call failed). */
int64_t veo_i_rpc(struct veo_proc_handle *h, int which, const int64_t *args, void *out);
/* rpc.c: runs rashm_ve_call_<which> (enum rve_vecall) in h's VE process, on
 * its main context; the same results. veo_i_vecall_ready: loads and
 * resolves them (-ENOTSUP) and checks h is alive (-EBUSY), without a call. */
int64_t veo_i_vecall(struct veo_proc_handle *h, int which, const int64_t *args, void *out);
int veo_i_vecall_ready(struct veo_proc_handle *h);

/* dev_ve.c: h as a device of the seam, made on first use */
struct rashm_dev;
int veo_i_dev(struct veo_proc_handle *h, struct rashm_dev **out);

/* hook.c: AVEO's hooks, request blocks, the set of live contexts */
typedef void veo_hook_fn(void *, ...);
/* 1 and the hook registered for API function func, else 0 */
int veo_i_hook(void *func, veo_hook_fn **hook, void **payload);
/* behind request req (VEO_REQUEST_ID_INVALID passes through) of a hooked
 * veo_alloc_mem_async/veo_free_mem_async: the id of the request that runs
 * the hook, or req when none is registered */
uint64_t veo_i_async_hooked(struct veo_thr_ctxt *c, void *func, bool alloc, uint64_t req,
                            uint64_t arg); /* asynchook.c */
int veo_i_submit_lock_init(struct veo_thr_ctxt *c); /* 0/-errno */
/* several submissions that no other thread's may come between */
void veo_i_block_begin(struct veo_thr_ctxt *c);
void veo_i_block_end(struct veo_thr_ctxt *c);
int veo_i_ctx_live_add(struct veo_thr_ctxt *c);
void veo_i_ctx_live_del(struct veo_thr_ctxt *c);
bool veo_i_ctx_is_live(struct veo_thr_ctxt *c);

#endif
