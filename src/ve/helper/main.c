/* rashm-ve: the software Vector Engine process.
 *
 * One instance per VE process, started by veo_proc_create() in librashm-veo
 * (as NEC's aveorun is started by AVEO). It inherits its private channel as
 * fds 3 (control socket) and 4 (shared memfd with the request rings), maps
 * the VE memory of its VE node at a fixed address that the VH keeps
 * reserved (PROT_NONE), and runs one worker thread per context.
 *
 * The main thread serves the control socket and watches the VH process:
 * EOF on the socket or the parent's pidfd becoming readable means the VH is
 * gone, and the helper exits at once (PR_SET_PDEATHSIG alone would follow the
 * VH *thread* that created us, not the process).
 *
 * A signal in VE code (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT) is reported
 * as VEO_COMMAND_EXCEPTION for the request that was running, the context goes
 * to EXIT, and the helper exits: as on the card, the VE process does not
 * survive an exception. The kernel then drops everything it held.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <ffi.h>
#include <limits.h>
#include <linux/futex.h>
#include <linux/mempolicy.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "ve_runtime.h"
#include "rve_proto.h"


static struct rve_header *hdr;
static void *shm;

struct worker {
    pthread_t thread;
    int idx;
    int running;
    struct rve_ring *ring;
};
static struct worker workers[RVE_MAX_CTX];

/* What the current thread is executing, for the fault handler. */
static __thread struct rve_ring *tl_ring;
static __thread struct rve_slot *tl_slot;
/* Set while a worker copies data for the VH: a bad VE address then fails
 * that one request (EFAULT) instead of being a VE exception. */
static __thread sigjmp_buf *volatile tl_guard; /* volatile: memcpy cannot see it */

static cpu_set_t node_cpus;
static int have_node_cpus;

/* libraries handed out by RVE_OP_LOAD, to validate RVE_OP_UNLOAD/SYM */
#define MAX_LIBS 1024
static void *libs[MAX_LIBS];

static long futex(_Atomic uint32_t *addr, int op, uint32_t val, const struct timespec *ts)
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

static void publish_done(struct rve_ring *r, uint32_t seq)
{
    atomic_store_explicit(&r->done_seq, seq, memory_order_release);
    atomic_fetch_add_explicit(&r->ev, 1, memory_order_seq_cst);
    if (atomic_load_explicit(&r->vh_waiters, memory_order_seq_cst))
        futex(&r->ev, FUTEX_WAKE, INT_MAX, NULL);
}

/* ---- exceptions in VE code ------------------------------------------- */

static void fault_handler(int sig, siginfo_t *si, void *uc)
{
    (void)si;
    (void)uc;
    /* the DMA engine copying from or to memory VE code has unmapped: the
     * runtime completes that DMA with an exception and does not return */
    rashm_ve_runtime_on_fault(sig);
    if (tl_guard && (sig == SIGSEGV || sig == SIGBUS)) {
        /* Worker threads run with nothing blocked; undo the handler's mask,
         * since the jump does not restore it (sigsetjmp(.., 0)). */
        sigset_t none;
        sigemptyset(&none);
        pthread_sigmask(SIG_SETMASK, &none, NULL);
        siglongjmp(*tl_guard, 1);
    }
    struct rve_ring *r = tl_ring;
    struct rve_slot *s = tl_slot;
    atomic_store(&hdr->exception_sig, sig);
    if (r && s) {
        s->status = RVE_CMD_EXCEPTION;
        s->retval = (uint64_t)sig;
        atomic_store(&r->state, RVE_CTX_EXIT);
        publish_done(r, atomic_load(&r->done_seq) + 1);
    }
    /* Nothing of the VE process may outlive it: SysV attachments, mappings
     * and threads all go with the process. */
    _exit(128 + sig);
}

static int install_fault_handlers(void)
{
    static const int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = fault_handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigfillset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        if (sigaction(sigs[i], &sa, NULL) < 0)
            return -errno;
    return 0;
}

/* ---- calls ------------------------------------------------------------ */

union argval {
    int64_t i64;
    uint64_t u64;
    int32_t i32;
    uint32_t u32;
    int16_t i16;
    uint16_t u16;
    int8_t i8;
    uint8_t u8;
    double d;
    float f;
    void *p;
};

static void do_call(struct rve_slot *s)
{
    ffi_type *types[RVE_MAX_ARGS];
    void *values[RVE_MAX_ARGS];
    union argval vals[RVE_MAX_ARGS];
    ffi_cif cif;
    ffi_arg ret = 0;
    uint32_t n = s->nargs;

    if (n > RVE_MAX_ARGS || s->addr == 0) {
        s->status = RVE_CMD_ERROR;
        return;
    }
    for (uint32_t i = 0; i < n; i++) {
        const struct rve_arg *a = &s->args[i];
        union argval *v = &vals[i];
        switch (a->type) {
        case RVE_ARG_I64: types[i] = &ffi_type_sint64; v->i64 = (int64_t)a->val; break;
        case RVE_ARG_U64: types[i] = &ffi_type_uint64; v->u64 = a->val; break;
        case RVE_ARG_I32: types[i] = &ffi_type_sint32; v->i32 = (int32_t)a->val; break;
        case RVE_ARG_U32: types[i] = &ffi_type_uint32; v->u32 = (uint32_t)a->val; break;
        case RVE_ARG_I16: types[i] = &ffi_type_sint16; v->i16 = (int16_t)a->val; break;
        case RVE_ARG_U16: types[i] = &ffi_type_uint16; v->u16 = (uint16_t)a->val; break;
        case RVE_ARG_I8: types[i] = &ffi_type_sint8; v->i8 = (int8_t)a->val; break;
        case RVE_ARG_U8: types[i] = &ffi_type_uint8; v->u8 = (uint8_t)a->val; break;
        case RVE_ARG_DOUBLE: types[i] = &ffi_type_double; memcpy(&v->d, &a->val, sizeof v->d); break;
        case RVE_ARG_FLOAT: {
            uint32_t bits = (uint32_t)a->val;
            types[i] = &ffi_type_float;
            memcpy(&v->f, &bits, sizeof v->f);
            break;
        }
        case RVE_ARG_STACK:
            types[i] = &ffi_type_pointer;
            if (a->flags & RVE_ARGF_INLINE) {
                if (a->val > RVE_PAYLOAD || a->len > RVE_PAYLOAD - a->val) {
                    s->status = RVE_CMD_ERROR;
                    return;
                }
                v->p = s->payload + a->val;
            } else {
                v->p = (void *)(uintptr_t)a->val;
            }
            if (a->flags & RVE_ARGF_ZERO)
                memset(v->p, 0, a->len); /* OUT buffers start zero-filled */
            break;
        default: /* a gap: the VH checks, but never trust the other side */
            s->status = RVE_CMD_ERROR;
            return;
        }
        values[i] = v;
    }
    if (ffi_prep_cif(&cif, FFI_DEFAULT_ABI, n, &ffi_type_uint64, types) != FFI_OK) {
        s->status = RVE_CMD_ERROR;
        return;
    }
    ffi_call(&cif, FFI_FN((uintptr_t)s->addr), &ret, values);
    s->retval = (uint64_t)ret;
    s->status = RVE_CMD_OK;
}

static int guarded_copy(void *dst, const void *src, size_t n)
{
    sigjmp_buf jb;
    if (sigsetjmp(jb, 0)) {
        tl_guard = NULL;
        return -EFAULT;
    }
    tl_guard = &jb;
    memcpy(dst, src, n);
    tl_guard = NULL;
    return 0;
}

static void do_copy(struct rve_slot *s, int write)
{
    uint64_t len = s->reserved[0];
    void *ve = (void *)(uintptr_t)s->addr;
    int rc;
    if (len > RVE_INLINE_MAX || len > sizeof s->args)
        rc = -EINVAL;
    else
        rc = write ? guarded_copy(ve, s->args, len) : guarded_copy(s->args, ve, len);
    s->status = rc ? RVE_CMD_ERROR : RVE_CMD_OK;
    s->retval = (uint64_t)-rc;
}

/* Sleep until *word != val (or a stop request). Spins first: a request
 * arriving within spin_us is picked up without a futex wake (~14 us). */
static void wait_change(struct rve_ring *r, _Atomic uint32_t *word, uint32_t val,
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

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct rve_ring *r = w->ring;
    stack_t ss;
    uint32_t seq = atomic_load(&r->done_seq);

    /* The fault handler runs on an alternate stack: a stack overflow in VE
     * code must still be reported. */
    ss.ss_size = 64 * 1024;
    ss.ss_sp = malloc(ss.ss_size);
    ss.ss_flags = 0;
    if (ss.ss_sp)
        sigaltstack(&ss, NULL);
    if (have_node_cpus)
        pthread_setaffinity_np(pthread_self(), sizeof node_cpus, &node_cpus);
    tl_ring = r;

    for (;;) {
        wait_change(r, &r->submit_seq, seq, &r->worker_sleeping);
        if (atomic_load_explicit(&r->submit_seq, memory_order_acquire) == seq) {
            if (atomic_load(&r->stop))
                break;
            continue;
        }
        struct rve_slot *s = &r->slots[seq % RVE_NSLOT];
        if (s->kind == RVE_REQ_CALL) {
            tl_slot = s;
            do_call(s);
            tl_slot = NULL;
        } else if (s->kind == RVE_REQ_WRITE || s->kind == RVE_REQ_READ) {
            do_copy(s, s->kind == RVE_REQ_WRITE);
        } else if (s->kind == RVE_REQ_VH) {
            /* The VH does this one; we only keep the queue order. */
            atomic_store_explicit(&s->state, RVE_SLOT_VH_WAIT, memory_order_seq_cst);
            atomic_fetch_add_explicit(&r->ev, 1, memory_order_seq_cst);
            if (atomic_load_explicit(&r->vh_waiters, memory_order_seq_cst))
                futex(&r->ev, FUTEX_WAKE, INT_MAX, NULL);
            for (;;) {
                uint32_t st = atomic_load_explicit(&s->state, memory_order_acquire);
                if (st == RVE_SLOT_VH_DONE || atomic_load(&r->stop))
                    break;
                wait_change(r, &s->state, st, NULL);
            }
            atomic_store_explicit(&s->state, RVE_SLOT_IDLE, memory_order_relaxed);
        } else {
            s->status = RVE_CMD_ERROR;
        }
        seq++;
        publish_done(r, seq);
    }
    if (ss.ss_sp) {
        stack_t off = {.ss_flags = SS_DISABLE};
        sigaltstack(&off, NULL);
        free(ss.ss_sp);
    }
    return NULL;
}

static int ctx_open(int idx, size_t stacksize)
{
    pthread_attr_t attr;
    int rc;
    if (idx < 0 || idx >= RVE_MAX_CTX || workers[idx].running)
        return -EINVAL;
    struct worker *w = &workers[idx];
    w->idx = idx;
    w->ring = rve_ring_at(shm, idx);
    atomic_store(&w->ring->stop, 0);
    atomic_store(&w->ring->state, RVE_CTX_RUNNING);
    pthread_attr_init(&attr);
    if (stacksize && (rc = pthread_attr_setstacksize(&attr, stacksize)) != 0) {
        pthread_attr_destroy(&attr);
        return -rc;
    }
    rc = pthread_create(&w->thread, &attr, worker_main, w);
    pthread_attr_destroy(&attr);
    if (rc) {
        atomic_store(&w->ring->state, RVE_CTX_FREE);
        return -rc;
    }
    w->running = 1;
    return 0;
}

static int ctx_close(int idx)
{
    if (idx < 0 || idx >= RVE_MAX_CTX || !workers[idx].running)
        return -EINVAL;
    struct worker *w = &workers[idx];
    atomic_store(&w->ring->stop, 1);
    futex(&w->ring->submit_seq, FUTEX_WAKE, INT_MAX, NULL);
    for (int i = 0; i < RVE_NSLOT; i++)
        futex(&w->ring->slots[i].state, FUTEX_WAKE, INT_MAX, NULL);
    pthread_join(w->thread, NULL);
    w->running = 0;
    atomic_store(&w->ring->state, RVE_CTX_FREE);
    return 0;
}

/* ---- control requests -------------------------------------------------- */

static int lib_index(uint64_t h)
{
    for (int i = 0; i < MAX_LIBS; i++)
        if (libs[i] && (uint64_t)(uintptr_t)libs[i] == h)
            return i;
    return -1;
}

static void handle(const struct rve_msg *m, struct rve_reply *rep)
{
    const char *e;
    int i;
    rep->op = m->op;
    switch (m->op) {
    case RVE_OP_LOAD: {
        void *lh = dlopen(m->str, RTLD_NOW | RTLD_GLOBAL);
        if (!lh) {
            e = dlerror();
            snprintf(rep->err, sizeof rep->err, "%s", e ? e : "dlopen failed");
            rep->rc = -ENOENT;
            return;
        }
        for (i = 0; i < MAX_LIBS && libs[i] && libs[i] != lh; i++)
            ;
        if (i == MAX_LIBS) {
            dlclose(lh);
            rep->rc = -EMFILE;
            return;
        }
        if (libs[i] == lh) /* loaded twice: dlopen counts, keep one entry */
            dlclose(lh);
        libs[i] = lh;
        rep->val = (uint64_t)(uintptr_t)lh;
        return;
    }
    case RVE_OP_UNLOAD:
        i = lib_index(m->a);
        if (i < 0) {
            rep->rc = -EINVAL;
            return;
        }
        if (dlclose(libs[i]) != 0) {
            e = dlerror();
            snprintf(rep->err, sizeof rep->err, "%s", e ? e : "dlclose failed");
            rep->rc = -EINVAL;
        }
        libs[i] = NULL;
        return;
    case RVE_OP_SYM: {
        void *lh = RTLD_DEFAULT;
        if (m->a) {
            i = lib_index(m->a);
            if (i < 0) {
                rep->rc = -EINVAL;
                return;
            }
            lh = libs[i];
        }
        dlerror();
        void *p = dlsym(lh, m->str);
        if (!p) {
            e = dlerror();
            snprintf(rep->err, sizeof rep->err, "%s", e ? e : "symbol is NULL");
            rep->rc = -ENOENT;
            return;
        }
        rep->val = (uint64_t)(uintptr_t)p;
        return;
    }
    case RVE_OP_CTX_OPEN:
        rep->rc = ctx_open(m->ctx, (size_t)m->a);
        return;
    case RVE_OP_CTX_CLOSE:
        rep->rc = ctx_close(m->ctx);
        return;
    default:
        rep->rc = -ENOSYS;
        return;
    }
}

static void shutdown_and_exit(int code)
{
    rashm_ve_runtime_shutdown();
    _exit(code);
}

/* ---- start-up ------------------------------------------------------------ */

static int read_cpulist(int node, cpu_set_t *set)
{
    char path[128], buf[4096];
    snprintf(path, sizeof path, "/sys/devices/system/node/node%d/cpulist", node);
    FILE *f = fopen(path, "r");
    if (!f)
        return -errno;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    CPU_ZERO(set);
    char *p = buf;
    int count = 0;
    while (*p && *p != '\n') {
        char *end;
        long a = strtol(p, &end, 10), b = a;
        if (end == p)
            break;
        p = end;
        if (*p == '-') {
            b = strtol(p + 1, &end, 10);
            p = end;
        }
        for (long c = a; c <= b && c < CPU_SETSIZE; c++, count++)
            CPU_SET((int)c, set);
        if (*p == ',')
            p++;
    }
    return count ? 0 : -ENOENT;
}

static int map_ve_memory(void)
{
    void *want = (void *)(uintptr_t)hdr->mem_base;
    void *p = mmap(want, hdr->mem_size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
    if (p == MAP_FAILED)
        return -errno;
    if (p != want) { /* a kernel without MAP_FIXED_NOREPLACE treats it as a hint */
        munmap(p, hdr->mem_size);
        return -EEXIST;
    }
    /* The card backs VE memory with 2 MiB / 64 MiB pages; transparent huge
     * pages are the nearest host equivalent, and they make the kernel's
     * cross-process copies (process_vm_readv/writev) cheaper per byte. */
    if (secure_getenv("RASHM_VE_NO_THP") == NULL)
        madvise(p, hdr->mem_size, MADV_HUGEPAGE);
    /* VE memory sits on its VE node's host NUMA node. Preferred, not bound:
     * a full node must not turn into SIGBUS in VE code. */
    if (hdr->numa_node >= 0) {
        unsigned long mask[16] = {0};
        int nd = hdr->numa_node;
        if (nd >= (int)(sizeof mask * 8))
            return -EINVAL;
        mask[nd / (8 * sizeof(unsigned long))] |= 1ul << (nd % (8 * sizeof(unsigned long)));
        if (syscall(SYS_mbind, p, hdr->mem_size, MPOL_PREFERRED, mask, sizeof mask * 8, 0) < 0)
            return -errno;
        syscall(SYS_set_mempolicy, MPOL_PREFERRED, mask, sizeof mask * 8);
        if (read_cpulist(nd, &node_cpus) == 0)
            have_node_cpus = 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct rve_reply rep;
    int rc;
    (void)argc;
    (void)argv;

    signal(SIGPIPE, SIG_IGN);
    shm = mmap(NULL, RVE_SHM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, RVE_SHM_FD, 0);
    if (shm == MAP_FAILED) {
        fprintf(stderr, "rashm-ve: not started by librashm-veo (no shared region on fd %d)\n",
                RVE_SHM_FD);
        return 2;
    }
    close(RVE_SHM_FD);
    hdr = shm;
    if (hdr->magic != RVE_MAGIC || hdr->version != RVE_PROTO_VERSION) {
        fprintf(stderr, "rashm-ve: protocol mismatch with librashm-veo\n");
        return 2;
    }

    /* Watch the VH process itself, not only the socket: a VH that forked
     * keeps the socket open in its child. */
    int ppfd = (int)syscall(SYS_pidfd_open, (pid_t)hdr->vh_pid, 0);
    if (ppfd < 0 || getppid() != hdr->vh_pid)
        _exit(3); /* the VH died while we started */

    memset(&rep, 0, sizeof rep);
    rep.op = RVE_OP_READY;
    rc = map_ve_memory();
    if (rc == 0 && have_node_cpus)
        sched_setaffinity(0, sizeof node_cpus, &node_cpus);
    if (rc == 0)
        rc = install_fault_handlers();
    /* strong references: they also keep librashm-ve a DT_NEEDED of the
     * helper, so the runtime is there from the start (weak ones let an
     * --as-needed link drop it, and the hooks silently never ran) */
    if (rc == 0)
        rc = rashm_ve_runtime_init(hdr->venode);
    if (rc == 0)
        rc = ctx_open(0, 0); /* the main context */
    if (rc == 0)
        rc = ctx_open(RVE_XFER_CTX, 0); /* small transfers */
    rep.rc = rc;
    if (send(RVE_CHAN_FD, &rep, sizeof rep, MSG_NOSIGNAL) < 0 || rc != 0)
        shutdown_and_exit(rc ? 4 : 0);

    static struct rve_msg m;
    for (;;) {
        struct pollfd pf[2] = {{RVE_CHAN_FD, POLLIN, 0}, {ppfd, POLLIN, 0}};
        if (poll(pf, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            shutdown_and_exit(5);
        }
        if (pf[1].revents)
            shutdown_and_exit(0); /* VH process exited */
        if (!pf[0].revents)
            continue;
        ssize_t n = recv(RVE_CHAN_FD, &m, sizeof m, 0);
        if (n == 0 || (n < 0 && errno != EINTR))
            shutdown_and_exit(0); /* EOF: the VH side is gone */
        if (n < (ssize_t)offsetof(struct rve_msg, str))
            continue;
        if ((size_t)n < sizeof m)
            ((char *)&m)[n] = 0;
        m.str[sizeof m.str - 1] = 0;
        if (m.op == RVE_OP_EXIT)
            shutdown_and_exit(0);
        memset(&rep, 0, sizeof rep);
        handle(&m, &rep);
        if (send(RVE_CHAN_FD, &rep, sizeof rep, MSG_NOSIGNAL) < 0)
            shutdown_and_exit(0);
    }
}
