/* The VH-VE contract: everything librashm-veo (VH side, src/veo) and the
 * software VE (the rashm-ve helper, src/ve/helper, and its runtime
 * librashm-ve, src/ve/runtime) must agree on. It belongs to neither side:
 * both include this header and nothing of each other. Not installed: both
 * sides are built together, and RVE_PROTO_VERSION is checked at start-up.
 *
 * Two pieces, both created by veo_proc_create and inherited by the helper as
 * file descriptors, so no other process can open them (nothing is named in
 * the file system or in SysV IPC):
 *  - fd 3: a SOCK_SEQPACKET socket for slow control requests (load library,
 *    symbol lookup, context open/close, exit). Its EOF tells the helper that
 *    the VH process is gone.
 *  - fd 4: a memfd mapped MAP_SHARED on both sides: a header plus one request
 *    ring per context. Calls go through the rings without any syscall while
 *    both sides spin; each side sleeps on a futex after a short spin.
 *
 * Ring protocol, per context (all counters are 32-bit and wrap; request n of
 * a context uses slots[n % RVE_NSLOT]):
 *  - the VH fills a slot, then stores submit_seq = n + 1 (release) and wakes
 *    the worker if worker_sleeping is set;
 *  - the worker executes the slot, stores done_seq = n + 1 (release), bumps
 *    ev and wakes VH waiters if vh_waiters is non-zero;
 *  - a VH-kind slot (something the VH itself must do in queue order) is not
 *    executed by the worker: it sets slot.state = RVE_SLOT_VH_WAIT, bumps ev,
 *    and sleeps until a VH thread has done the work and set RVE_SLOT_VH_DONE;
 *  - a VH-kind request n that the VH runs at submission, when every earlier
 *    one has finished (done_seq == n, the worker idle), is finished by the
 *    VH: it stores done_seq = n + 1 and bumps ev, and does not publish it
 *    (submit_seq stays, the worker is not disturbed). So done_seq may run
 *    ahead of submit_seq, and of the worker's own count, which it never is
 *    otherwise: a worker that finds done_seq ahead of its count when
 *    submit_seq moves steps over to done_seq first. "Ahead" is a signed
 *    32-bit difference.
 * Each side publishes the CPU it runs on while it spins or works (vh_cpu,
 * worker_cpu; -1 while asleep): a spinning side whose peer shares its CPU
 * offers the CPU at every poll instead of spinning it away.
 * Both sides use Dekker-style "publish, full fence, check the other side's
 * sleeping flag" so that no wake-up is lost.
 */
#ifndef RASHM_RVE_PROTO_H
#define RASHM_RVE_PROTO_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>

/* Completion status of a ring request. The values are those of
 * VEO_COMMAND_OK/EXCEPTION/ERROR in <ve_offload.h>: the VH hands slot.status
 * to its callers as is (src/veo checks this with static assertions), while
 * the helper needs no VH header. */
enum rve_cmd_status { RVE_CMD_OK = 0, RVE_CMD_EXCEPTION = 1, RVE_CMD_ERROR = 2 };

#define RVE_MAGIC 0x72617368766530ULL /* "rashmve0" */
#define RVE_PROTO_VERSION 5

#define RVE_CHAN_FD 3 /* inherited fd numbers in the helper */
#define RVE_SHM_FD 4
/* fd 5: a SOCK_SEQPACKET socket to the device process (the process the VH
 * started; it forks the VE process, which runs VE code, and keeps this fd
 * to itself): the RPCs below go there, never through VE code. */
#define RVE_DEV_FD 5
/* fd 6: VE memory, a memfd made by the VH (sealed against shrinking and
 * growing, so no process can make a mapping of it fault) and sized
 * mem_size: the helper maps it at mem_base, the VH maps it elsewhere (its
 * VE range stays PROT_NONE) and copies VE memory with memcpy. */
#define RVE_MEM_FD 6

#define RVE_MAX_CTX 64   /* contexts per VE process, main context included */
#define RVE_NSLOT 64     /* ring slots per context (in-flight requests) */
#define RVE_MAX_ARGS 256 /* = VEO_MAX_NUM_ARGS */
#define RVE_NAME_MAX 4096

/* VE memory lives in the helper at RVE_MEM_BASE + venode * RVE_MEM_STRIDE;
 * the VH reserves the same range PROT_NONE so that dereferencing a VE address
 * on the VH faults instead of touching unrelated VH memory. */
/* 32 TiB: clear of the PIE/heap (0x55..) and mmap (0x7f..) areas, and of
 * AddressSanitizer's shadow (below 0x10007fff8000) and its allocator
 * (0x600000000000), so sanitizer builds can map it too. */
#define RVE_MEM_BASE 0x200000000000ULL
#define RVE_MEM_STRIDE 0x2000000000ULL /* 128 GiB per VE node (a card has 48 or 96) */
#define RVE_MAX_NODES 16

/* hmem pointers (AVEO's <veo_hmem.h>): VE memory named so that the VH can
 * tell it from its own pointers and knows the VE process. AVEO tags the VE
 * address (bit 63, identifier in bits 62:59), and VE code may store through
 * the tagged pointer, because the card's MMU ignores those bits; on x86-64
 * such an address is non-canonical and faults. So an hmem pointer here is a
 * second address of the same VE memory: process ident's VE memory appears
 * again at RVE_HMEM_BASE + ident * RVE_HMEM_STRIDE + (VE address -
 * RVE_MEM_BASE), where the VE process maps the same memfd pages a second
 * time (src/ve/helper/memory.c), and the VH keeps the whole window
 * reserved PROT_NONE, so no VH pointer ever falls in it. Converting is pure
 * arithmetic on both sides, and a plain VE address (veo_alloc_mem) stays
 * distinct from the hmem pointer of the same memory, as in AVEO. The window
 * (16 x 2 TiB, 0x300000000000-0x500000000000) lies between the VE address
 * range and the PIE area, clear of the sanitizers' ranges above. */
#define RVE_HMEM_BASE 0x300000000000ULL
#define RVE_HMEM_STRIDE ((uint64_t)RVE_MAX_NODES * RVE_MEM_STRIDE) /* 2 TiB */
#define RVE_HMEM_PROCS 16 /* AVEO's 4 identifier bits */
#define RVE_HMEM_END (RVE_HMEM_BASE + (uint64_t)RVE_HMEM_PROCS * RVE_HMEM_STRIDE)

static inline int rve_hmem_is(uint64_t a)
{
    return a >= RVE_HMEM_BASE && a < RVE_HMEM_END;
}

static inline int rve_hmem_ident(uint64_t a)
{
    return (int)((a - RVE_HMEM_BASE) / RVE_HMEM_STRIDE);
}

/* the VE address an hmem pointer names */
static inline uint64_t rve_hmem_to_ve(uint64_t a)
{
    return RVE_MEM_BASE + (a - RVE_HMEM_BASE) % RVE_HMEM_STRIDE;
}

/* the hmem pointer of process ident for a VE address or another process's
 * hmem pointer (same offset); an address in neither keeps its low bits, as
 * AVEO's tagging keeps a value it does not understand */
static inline uint64_t rve_hmem_of(uint64_t a, int ident)
{
    uint64_t off;
    if (rve_hmem_is(a))
        off = (a - RVE_HMEM_BASE) % RVE_HMEM_STRIDE;
    else if (a >= RVE_MEM_BASE && a < RVE_MEM_BASE + RVE_HMEM_STRIDE)
        off = a - RVE_MEM_BASE;
    else
        off = a % RVE_HMEM_STRIDE;
    return RVE_HMEM_BASE + (uint64_t)ident * RVE_HMEM_STRIDE + off;
}

enum rve_argtype {
    RVE_ARG_NONE = 0, /* index never set: a gap */
    RVE_ARG_I64,
    RVE_ARG_U64,
    RVE_ARG_I32,
    RVE_ARG_U32,
    RVE_ARG_I16,
    RVE_ARG_U16,
    RVE_ARG_I8,
    RVE_ARG_U8,
    RVE_ARG_DOUBLE,
    RVE_ARG_FLOAT,
    RVE_ARG_STACK, /* val = VE address of the copy, len = its size */
};

#define RVE_ARGF_ZERO 1u   /* OUT buffer: the worker zero-fills it first */
#define RVE_ARGF_INLINE 2u /* val is an offset into the slot's payload */

/* Stack arguments of a call that fit here together (each rounded up to 8
 * bytes) travel inside the slot: no VE allocation, no extra copy request. */
#define RVE_PAYLOAD 4096

struct rve_arg {
    uint64_t val; /* the value's bits (integers sign/zero-extended) */
    uint64_t len;
    uint32_t type;
    uint32_t flags;
};

enum rve_kind {
    RVE_REQ_CALL = 1, /* call the function at addr with args[0..nargs) */
    RVE_REQ_VH,       /* a VH-side request: wait for the VH to finish it */
    RVE_REQ_WRITE,    /* copy len = reserved[0] bytes from the slot's payload to addr */
    RVE_REQ_READ,     /* copy len bytes from addr into the slot's payload */
    RVE_REQ_NOTE,     /* nothing to do: the VH did it already; only counts
                       * (its request id) and leaves its history entry */
};

/* The result history of a context (veo_prev_req_result in VE code).
 * AVEO's VE side reads back the messages it sent to the VH on the context's
 * channel, so every request that reached the VE is in it, in queue order,
 * implicit ones included (the main context's veo_load_library, veo_get_sym,
 * veo_alloc_mem, veo_read_mem... of the VH), plus two messages that are no
 * request: the stack pointer a new context reports when it starts, and the
 * main context's answer to a second context's creation. Here many of those
 * requests run in the VH without reaching the worker, so the history lives
 * in the ring, where whoever finishes a request writes its entry: the worker
 * for what it executes (after the VH-kind ones a VH thread ran for it), the
 * VH for what it counts as finished itself while the context is idle (see
 * the ring protocol above). Both never write at the same time: the VH writes
 * only while done_seq equals its own count (the worker has nothing to do and
 * has published everything it wrote), and publishes a request only after
 * its writes. VE code reads it only from the context's worker thread.
 * The values are VE code's to scribble over: the VH writes at count %
 * RVE_HIST and never reads an entry. */
enum rve_hist_mode {
    RVE_HIST_NONE = 0, /* leaves nothing (VH-only requests: AVEO's VH commands) */
    RVE_HIST_RETVAL,   /* the request's result (slot.retval) */
    RVE_HIST_VALUE,    /* slot.hist_val */
    RVE_HIST_EMPTY,    /* an entry without a value (AVEO's empty acknowledgement):
                        * veo_prev_req_result fails on it */
};
#define RVE_HIST 256 /* AVEO keeps 256 messages per channel */
struct rve_hist_ent {
    uint64_t val;
    uint64_t empty; /* 1: RVE_HIST_EMPTY */
};
struct rve_hist {
    _Atomic uint64_t count; /* entries written so far */
    struct rve_hist_ent ent[RVE_HIST];
};

static inline void rve_hist_push(struct rve_hist *h, uint64_t val, int empty)
{
    uint64_t n = atomic_load_explicit(&h->count, memory_order_relaxed);
    h->ent[n % RVE_HIST].val = val;
    h->ent[n % RVE_HIST].empty = empty ? 1 : 0;
    atomic_store_explicit(&h->count, n + 1, memory_order_release);
}

/* Small veo_read_mem/veo_write_mem go through a ring reserved for them, with
 * the data inline in the slot (the args area): one shared-memory round trip
 * instead of a process_vm_* system call that pins pages. Larger ones use
 * process_vm_readv/writev directly. */
#define RVE_XFER_CTX (RVE_MAX_CTX - 1)
#define RVE_INLINE_MAX 4096
#ifndef RVE_XFER_PIPE
#define RVE_XFER_PIPE (32 * 1024) /* ring-only mode: pieces in flight per batch */
#endif

enum rve_slot_state {
    RVE_SLOT_IDLE = 0,
    RVE_SLOT_VH_WAIT,    /* worker reached a VH request */
    RVE_SLOT_VH_RUNNING, /* a VH thread claimed it */
    RVE_SLOT_VH_DONE,    /* finished: worker may go on */
};

struct rve_slot {
    _Atomic uint32_t state;
    uint32_t kind;
    uint32_t nargs;
    uint32_t status;  /* RVE_CMD_* once done */
    uint64_t addr;
    uint64_t retval;
    uint64_t reserved[2];
    uint64_t hist;     /* enum rve_hist_mode: what the request leaves in the history */
    uint64_t hist_val; /* the entry's value for RVE_HIST_VALUE */
    struct rve_arg args[RVE_MAX_ARGS];
    alignas(64) unsigned char payload[RVE_PAYLOAD];
};

enum rve_ctx_state { RVE_CTX_FREE = 0, RVE_CTX_RUNNING = 1, RVE_CTX_EXIT = 4 };

struct rve_ring {
    alignas(64) _Atomic uint32_t submit_seq; /* written by the VH */
    _Atomic uint32_t worker_sleeping;        /* written by the worker */
    _Atomic int32_t vh_cpu;                  /* VH: CPU of a thread spinning on ev, or -1 */
    alignas(64) _Atomic uint32_t done_seq;   /* written by the worker */
    _Atomic uint32_t ev;                     /* futex VH waiters sleep on */
    _Atomic uint32_t vh_waiters;
    _Atomic uint32_t state;                  /* enum rve_ctx_state */
    _Atomic int32_t worker_cpu;              /* worker: its CPU while it spins or runs, or -1 */
    alignas(64) _Atomic uint32_t stop;       /* VH asks the worker to exit */
    alignas(64) struct rve_hist hist;        /* the context's result history */
    alignas(64) struct rve_slot slots[RVE_NSLOT];
};

struct rve_header {
    uint64_t magic;
    uint32_t version;
    int32_t venode;
    int32_t numa_node;  /* -1: not tied to a host NUMA node */
    uint32_t spin_us;   /* how long sleepers spin first */
    uint64_t mem_base;  /* VE memory: [mem_base, mem_base + mem_size) */
    uint64_t mem_size;
    uint64_t hmem_base; /* the same memory as hmem: [hmem_base, + mem_size) */
    int32_t vh_pid;
    _Atomic int32_t exception_sig; /* signal that killed VE code, or 0 */
    alignas(64) char pad[64];
};

#define RVE_HDR_SIZE 4096
#define RVE_SHM_SIZE (RVE_HDR_SIZE + (uint64_t)RVE_MAX_CTX * sizeof(struct rve_ring))

static inline struct rve_ring *rve_ring_at(void *shm, int idx)
{
    return (struct rve_ring *)((char *)shm + RVE_HDR_SIZE) + idx;
}

/* ---- control messages (SOCK_SEQPACKET, one message each way) ----------
 * One table; the enum and the names used in diagnostics come from it.
 *   READY      helper -> VH once at start: rc = 0 or -errno; val = pid of
 *              the VE process (sent before any VE code is loaded)
 *   LOAD       str = library name; val = handle
 *   UNLOAD     a = handle
 *   SYM        a = handle (0: all), str = name; val = address
 *   CTX_OPEN   ctx = ring index, a = thread stack size (0: default)
 *   CTX_CLOSE  ctx = ring index
 *   EXIT       no reply: the helper exits */
#define RVE_OP_LIST(X) \
    X(READY, 1)        \
    X(LOAD, 2)         \
    X(UNLOAD, 3)       \
    X(SYM, 4)          \
    X(CTX_OPEN, 5)     \
    X(CTX_CLOSE, 6)    \
    X(EXIT, 7)

enum rve_op {
#define RVE_X_(name, num) RVE_OP_##name = num,
    RVE_OP_LIST(RVE_X_)
#undef RVE_X_
};

static inline const char *rve_op_name(uint32_t op)
{
    switch (op) {
#define RVE_X_(name, num) case RVE_OP_##name: return #name;
    RVE_OP_LIST(RVE_X_)
#undef RVE_X_
    default: return "?";
    }
}

struct rve_msg {
    uint32_t op;
    int32_t ctx;
    uint64_t a;
    char str[RVE_NAME_MAX];
};

struct rve_reply {
    uint32_t op;
    int32_t rc; /* 0 or -errno */
    uint64_t val;
    char err[256]; /* dlerror() text where there is one */
};

/* ---- RPCs: functions of the VE-side runtime run on the main context ----
 * The VH side (src/veo/rpc.c) loads the runtime library (librashm-ve) into
 * the VE process with veo_load_library, resolves each entry point with
 * veo_get_sym and runs it with veo_call_sync, exactly as AVEO drives
 * libveohmem/libveio. Every entry point takes 64-bit integers (plus, where
 * `out` is 1, one VEO_INTENT_OUT stack argument of 8 bytes after them) and
 * returns a value >= 0 or -errno, so the errno crosses the process boundary.
 *
 * This table is the only list: the VH side takes the RPC numbers, symbol
 * names and argument counts from it, the VE side its prototypes (so a
 * definition that drifts from the table does not compile).
 *   X(NUMBER, name, nargs, out, (parameters))   symbol: rashm_ve_rpc_<name>
 * Results: SHMGET shmid; SHMAT attach address, *vehva_out = VEHVA (0 on
 * failure); SHMDT 0; DMA_POST ring index or -EAGAIN/-EINVAL; DMA_POLL 0,
 * -EAGAIN or exception bits; DMA_POST_WAIT 0, exception bits or -EINVAL;
 * REGISTER VEHVA; UNREGISTER 0. VESHM_REG registers VE-VE shared memory of
 * another VE process in this DMAATB (VE_REGISTER_VEHVA): `size_ro >> 1 << 1`
 * bytes at offset `off` of fd `src & 0xffffffff` of process `src >> 32`
 * (the owner's VE memory, as RVE_VECALL_VESHM_OPEN reported it), read-only
 * if bit 0 of size_ro; returns the VEHVA. VESHM_UNREG drops it: 0. */
#define RVE_RPC_LIST(X)                                                                      \
    X(SHMGET, shmget, 3, 0, (int64_t key, uint64_t size, int64_t shmflag))                  \
    X(SHMAT, shmat, 3, 1, (int64_t shmid, uint64_t shmaddr, int64_t shmflag, uint64_t *vehva_out)) \
    X(SHMDT, shmdt, 1, 0, (uint64_t shmaddr))                                                \
    X(DMA_POST, dma_post, 3, 0, (uint64_t dst, uint64_t src, int64_t size))                  \
    X(DMA_POLL, dma_poll, 1, 0, (int64_t index))                                             \
    X(DMA_POST_WAIT, dma_post_wait, 3, 0, (uint64_t dst, uint64_t src, int64_t size))        \
    X(REGISTER, register, 2, 0, (uint64_t vemva, uint64_t size))                             \
    X(UNREGISTER, unregister, 1, 0, (uint64_t vehva))                                        \
    X(VESHM_REG, veshm_reg, 3, 0, (uint64_t src, uint64_t off, uint64_t size_ro))             \
    X(VESHM_UNREG, veshm_unreg, 1, 0, (uint64_t vehva))

enum rve_rpc {
#define RVE_X_(NUM, name, nargs, out, params) RVE_RPC_##NUM,
    RVE_RPC_LIST(RVE_X_)
#undef RVE_X_
    RVE_RPC_COUNT
};

#define RVE_RPC_PREFIX "rashm_ve_rpc_"
/* The library the RPCs live in, looked up in the VE process. */
#define RVE_RUNTIME_LIBNAME "librashm-ve.so.0"  /* the SONAME: a runtime-only install (no -dev links) has it */

struct rve_rpc_desc {
    const char *symbol; /* RVE_RPC_PREFIX name */
    int nargs;          /* integer arguments */
    int out;            /* 1: one 8-byte OUT stack argument follows them */
};

static inline const struct rve_rpc_desc *rve_rpc_desc(int which)
{
    static const struct rve_rpc_desc descs[RVE_RPC_COUNT] = {
#define RVE_X_(NUM, name, nargs, out, params) [RVE_RPC_##NUM] = {RVE_RPC_PREFIX #name, nargs, out},
        RVE_RPC_LIST(RVE_X_)
#undef RVE_X_
    };
    return which >= 0 && which < RVE_RPC_COUNT ? &descs[which] : 0;
}

/* One RPC on RVE_DEV_FD: a request, then one reply. rc is the entry
 * point's result (>= 0 or -errno), out its OUT argument where it has one. */
struct rve_dev_req {
    uint32_t rpc; /* enum rve_rpc */
    uint32_t pad;
    int64_t a[3];
};

struct rve_dev_rep {
    uint32_t rpc; /* echoed */
    uint32_t pad;
    int64_t rc;
    uint64_t out;
};

/* Prototypes of the VE-side definitions (src/ve/runtime/rpc.c). */
#define RVE_X_(NUM, name, nargs, out, params) int64_t rashm_ve_rpc_##name params;
RVE_RPC_LIST(RVE_X_)
#undef RVE_X_

/* ---- VE-process calls: functions of the runtime that must run in the VE
 * process itself, on its main context, as AVEO runs VEOS system calls
 * through its syscall wrapper (veo_call_sync): they change the VE process's
 * own address space, so they are not RPCs (which the device side may
 * serve). The VH resolves each by name in the runtime library and calls it
 * with 64-bit integers (plus one 8-byte VEO_INTENT_OUT stack argument where
 * `out` is 1); each returns >= 0 or -errno.
 *   X(NUMBER, name, nargs, out, (parameters))  symbol: rashm_ve_call_<name>
 * VESHM_OPEN   checks [vemva, vemva+size) is one writable piece of one shared
 *              object; returns (pid << 32) | fd of a descriptor of that
 *              object in this process, *off_out = the object offset of vemva
 * VESHM_ATTACH maps `size` bytes at object offset `off` of fd `src & 0xffffffff`
 *              of process `src >> 32` at addr (replacing this process's own
 *              VE memory there; read-only if ro), and at hmem, addr's hmem
 *              pointer, where that is addr's second mapping; 0
 * VESHM_DETACH gives addr its own VE memory back; 0 */
#define RVE_VECALL_LIST(X)                                                                    \
    X(VESHM_OPEN, veshm_open, 2, 1, (uint64_t vemva, uint64_t size, uint64_t *off_out))       \
    X(VESHM_ATTACH, veshm_attach, 6, 0,                                                       \
      (uint64_t src, uint64_t off, uint64_t addr, uint64_t size, int64_t ro, uint64_t hmem))  \
    X(VESHM_DETACH, veshm_detach, 1, 0, (uint64_t addr))

enum rve_vecall {
#define RVE_X_(NUM, name, nargs, out, params) RVE_VECALL_##NUM,
    RVE_VECALL_LIST(RVE_X_)
#undef RVE_X_
    RVE_VECALL_COUNT
};

#define RVE_VECALL_PREFIX "rashm_ve_call_"

static inline const struct rve_rpc_desc *rve_vecall_desc(int which)
{
    static const struct rve_rpc_desc descs[RVE_VECALL_COUNT] = {
#define RVE_X_(NUM, name, nargs, out, params) [RVE_VECALL_##NUM] = {RVE_VECALL_PREFIX #name, nargs, out},
        RVE_VECALL_LIST(RVE_X_)
#undef RVE_X_
    };
    return which >= 0 && which < RVE_VECALL_COUNT ? &descs[which] : 0;
}

#define RVE_X_(NUM, name, nargs, out, params) int64_t rashm_ve_call_##name params;
RVE_VECALL_LIST(RVE_X_)
#undef RVE_X_

#endif
