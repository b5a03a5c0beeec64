/* VE processes: find, start and stop the rashm-ve helper with its private
 * channel (src/proto/rve_proto.h), the monitor that notices a dead helper,
 * the table of hmem identifiers and the VH-side reservation of VE addresses. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dev.h"
#include "veo_internal.h"


#define START_TIMEOUT_MS 10000

/* ---- process table (hmem identifiers) and VE address reservations ----- */

static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static struct veo_proc_handle *procs[VEO_MAX_HMEM_PROCS];
static int node_refs[RVE_MAX_NODES];
static uint64_t node_reserved[RVE_MAX_NODES]; /* size reserved at the node's base */
static int hmem_window_reserved;

/* The hmem window (src/proto/rve_proto.h) must hold no VH memory: there
 * veo_is_ve_addr tells hmem pointers from VH pointers by their value alone.
 * Reserved PROT_NONE before the first hmem pointer exists and kept for the
 * process's life (one mapping without pages costs nothing; a later malloc or
 * mmap can then never land there). If something already lives there, no VE
 * process is made: its hmem pointers could not be told from VH memory. */
static int reserve_hmem_window(void)
{
    if (hmem_window_reserved)
        return 0;
    void *want = (void *)(uintptr_t)RVE_HMEM_BASE;
    size_t len = (size_t)(RVE_HMEM_END - RVE_HMEM_BASE);
    void *p = mmap(want, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE,
                   -1, 0);
    if (p == MAP_FAILED)
        return -ENOMEM;
    if (p != want) { /* a kernel without MAP_FIXED_NOREPLACE took it as a hint */
        munmap(p, len);
        return -ENOMEM;
    }
    hmem_window_reserved = 1;
    return 0;
}

struct veo_proc_handle *veo_i_proc_by_ident(int ident)
{
    struct veo_proc_handle *h = NULL;
    if (ident < 0 || ident >= VEO_MAX_HMEM_PROCS)
        return NULL;
    pthread_mutex_lock(&table_lock);
    h = procs[ident];
    pthread_mutex_unlock(&table_lock);
    return h;
}

/* Keeps the VE address range of a node PROT_NONE in the VH, so a VE address
 * used as a VH pointer faults. Best effort: if something already lives there
 * the VE addresses still work, they just do not fault on the VH. */
static void reserve_node(int node, uint64_t base, uint64_t size)
{
    if (node_refs[node]++ == 0) {
        void *p = mmap((void *)(uintptr_t)base, size, PROT_NONE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
        if (p == (void *)(uintptr_t)base) {
            node_reserved[node] = size;
        } else {
            if (p != MAP_FAILED)
                munmap(p, size);
            node_reserved[node] = 0;
        }
    }
}

static void unreserve_node(int node)
{
    if (--node_refs[node] == 0 && node_reserved[node]) {
        munmap((void *)(uintptr_t)(RVE_MEM_BASE + (uint64_t)node * RVE_MEM_STRIDE),
               node_reserved[node]);
        node_reserved[node] = 0;
    }
}

/* ---- monitor: notices the helper's death and wakes every waiter ------- */

static void mark_dead(struct veo_proc_handle *h)
{
    atomic_store(&h->dead, 1);
    for (int i = 0; i < RVE_MAX_CTX; i++) {
        struct rve_ring *r = rve_ring_at(h->shm, i);
        atomic_store(&r->state, RVE_CTX_EXIT);
        atomic_fetch_add(&r->ev, 1);
        veo_i_futex(&r->ev, FUTEX_WAKE, INT_MAX, NULL);
    }
}

static void *monitor_main(void *arg)
{
    struct veo_proc_handle *h = arg;
    for (;;) {
        struct pollfd pf[2] = {{h->pidfd, POLLIN, 0}, {h->stop_efd, POLLIN, 0}};
        if (poll(pf, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (pf[0].revents) {
            mark_dead(h);
            break;
        }
        if (pf[1].revents)
            break;
    }
    return NULL;
}

/* VE memory: a memfd of `size` bytes, sealed so that its size never changes
 * (no process that maps it, VE code included, can make a mapping of it
 * fault by truncating it), mapped here for transfers. Returns the fd (the
 * helper maps it at the VE address) or -errno. */
static int vemem_create(struct veo_proc_handle *h, uint64_t size)
{
    int fd = memfd_create("rashm-ve-mem", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0)
        return -errno;
    if (ftruncate(fd, (off_t)size) < 0 ||
        fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0) {
        int e = -errno;
        close(fd);
        return e;
    }
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0);
    if (p == MAP_FAILED) {
        int e = -errno;
        close(fd);
        return e;
    }
    h->vemem = p;
    h->vemem_size = size;
    return fd;
}

/* ---- create / destroy -------------------------------------------------- */

static struct veo_proc_handle *proc_create(int venode, const char *helper)
{
    struct veo_proc_handle *h;
    struct ve_config cfg;
    char path[PATH_MAX];
    int sv[2], memfd, rc, ident = -1;

    if ((rc = veo_i_config(&venode, &cfg)) < 0) {
        errno = -rc;
        return NULL;
    }
    if (helper) {
        if (access(helper, X_OK) != 0) {
            errno = ENOENT;
            return NULL;
        }
        snprintf(path, sizeof path, "%s", helper);
    } else if ((rc = veo_i_find_helper(path, sizeof path)) < 0) {
        errno = -rc;
        return NULL;
    }

    h = calloc(1, sizeof *h);
    if (!h) {
        errno = ENOMEM;
        return NULL;
    }
    pthread_mutex_init(&h->lock, NULL);
    h->venode = venode;
    h->spin_us = cfg.spin_us;
    h->no_pvm = cfg.no_pvm;
    pthread_mutex_init(&h->rt_lock, NULL);
    pthread_mutex_init(&h->dev_lock, NULL);
    h->timeout_ms = cfg.timeout_ms;
    h->ring_only = cfg.no_pvm;
    h->pidfd = h->stop_efd = h->chan = h->devsock = -1;

    pthread_mutex_lock(&table_lock);
    if ((rc = reserve_hmem_window()) < 0) {
        pthread_mutex_unlock(&table_lock);
        goto out_free;
    }
    for (int i = 0; i < VEO_MAX_HMEM_PROCS; i++)
        if (!procs[i]) {
            ident = i;
            break;
        }
    if (ident < 0) {
        pthread_mutex_unlock(&table_lock);
        rc = -EAGAIN;
        goto out_free;
    }
    procs[ident] = h; /* claimed; published for hmem lookups once ready */
    h->ident = ident;
    reserve_node(venode, RVE_MEM_BASE + (uint64_t)venode * RVE_MEM_STRIDE, cfg.mem);
    pthread_mutex_unlock(&table_lock);

    memfd = memfd_create("rashm-ve", MFD_CLOEXEC);
    if (memfd < 0) {
        rc = -errno;
        goto out_table;
    }
    if (ftruncate(memfd, (off_t)RVE_SHM_SIZE) < 0) {
        rc = -errno;
        goto out_memfd;
    }
    h->shm = mmap(NULL, RVE_SHM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
    if (h->shm == MAP_FAILED) {
        rc = -errno;
        h->shm = NULL;
        goto out_memfd;
    }
    h->hdr = h->shm;
    h->hdr->magic = RVE_MAGIC;
    h->hdr->version = RVE_PROTO_VERSION;
    h->hdr->venode = venode;
    h->hdr->numa_node = cfg.numa;
    h->hdr->spin_us = cfg.spin_us;
    h->hdr->mem_base = RVE_MEM_BASE + (uint64_t)venode * RVE_MEM_STRIDE;
    h->hdr->mem_size = cfg.mem;
    h->hdr->hmem_base = rve_hmem_of(h->hdr->mem_base, ident);
    h->hdr->vh_pid = getpid();
    if ((rc = ve_alloc_init(&h->mem, h->hdr->mem_base, cfg.mem)) < 0)
        goto out_unmap;

    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
        rc = -errno;
        goto out_alloc;
    }
    h->chan = sv[0];
    int dv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, dv) < 0) {
        rc = -errno;
        close(sv[1]);
        goto out_chan;
    }
    h->devsock = dv[0];
    int vmfd = vemem_create(h, cfg.mem);
    if (vmfd < 0) {
        rc = vmfd;
        close(sv[1]);
        close(dv[1]);
        goto out_chan;
    }
    rc = veo_i_spawn_helper(path, sv[1], memfd, dv[1], vmfd, &h->pid);
    close(sv[1]);
    close(dv[1]);
    close(vmfd);
    if (rc < 0)
        goto out_chan;
    close(memfd);
    memfd = -1;
    h->pidfd = (int)syscall(SYS_pidfd_open, h->pid, 0);
    if (h->pidfd < 0) {
        rc = -errno;
        kill(h->pid, SIGKILL);
        waitpid(h->pid, NULL, 0);
        goto out_chan;
    }

    /* Wait for READY (or the helper's death: EOF). */
    {
        struct rve_reply rep;
        struct pollfd pf = {h->chan, POLLIN, 0};
        int pr = poll(&pf, 1, START_TIMEOUT_MS);
        ssize_t n = pr > 0 ? recv(h->chan, &rep, sizeof rep, 0) : -1;
        if (n != (ssize_t)sizeof rep || rep.op != RVE_OP_READY) {
            rc = pr == 0 ? -ETIMEDOUT : -ECHILD;
            goto out_kill;
        }
        if (rep.rc < 0) {
            rc = rep.rc;
            goto out_kill;
        }
        h->ve_pid = rep.val > 0 && rep.val < INT_MAX ? (pid_t)rep.val : h->pid;
    }

    h->stop_efd = eventfd(0, EFD_CLOEXEC);
    if (h->stop_efd < 0) {
        rc = -errno;
        goto out_kill;
    }
    if ((rc = -pthread_create(&h->monitor, NULL, monitor_main, h)) < 0)
        goto out_efd;
    h->monitor_started = true;
    h->ctx[0] = veo_i_ctx_new(h, 0);
    h->xfer = veo_i_ctx_new(h, RVE_XFER_CTX);
    if (!h->ctx[0] || !h->xfer) {
        rc = -ENOMEM;
        goto out_ctx;
    }
    return h;

out_ctx:
    if (h->ctx[0])
        veo_i_ctx_free(h->ctx[0]);
    if (h->xfer)
        veo_i_ctx_free(h->xfer);
    eventfd_write(h->stop_efd, 1);
    pthread_join(h->monitor, NULL);
out_efd:
    close(h->stop_efd);
out_kill:
    kill(h->pid, SIGKILL);
    while (waitpid(h->pid, NULL, 0) < 0 && errno == EINTR)
        ;
    close(h->pidfd);
out_chan:
    close(h->chan);
    if (h->devsock >= 0)
        close(h->devsock);
    if (h->vemem)
        munmap(h->vemem, h->vemem_size);
out_alloc:
    ve_alloc_fini(&h->mem);
out_unmap:
    munmap(h->shm, RVE_SHM_SIZE);
out_memfd:
    if (memfd >= 0)
        close(memfd);
out_table:
    pthread_mutex_lock(&table_lock);
    procs[ident] = NULL;
    unreserve_node(venode);
    pthread_mutex_unlock(&table_lock);
out_free:
    pthread_mutex_destroy(&h->rt_lock);
    pthread_mutex_destroy(&h->dev_lock);
    pthread_mutex_destroy(&h->lock);
    free(h);
    errno = -rc;
    return NULL;
}

VEO_API struct veo_proc_handle *veo_proc_create(int venode)
{
    return proc_create(venode, NULL);
}

VEO_API struct veo_proc_handle *veo_proc_create_static(int venode, char *veorun)
{
    return proc_create(venode, veorun);
}

VEO_API int veo_proc_destroy(struct veo_proc_handle *h)
{
    if (!h)
        return -1;
    pthread_mutex_lock(&h->lock);
    if (!veo_i_dead(h)) {
        struct rve_msg m;
        memset(&m, 0, sizeof m);
        m.op = RVE_OP_EXIT;
        send(h->chan, &m, sizeof m, MSG_NOSIGNAL);
    }
    pthread_mutex_unlock(&h->lock);
    veo_i_reap(h->pid, h->pidfd);
    /* the helper took its DMAATB with it; the VH record goes now */
    rashm_dev_close(h->dev);
    eventfd_write(h->stop_efd, 1);
    pthread_join(h->monitor, NULL);
    close(h->stop_efd);
    close(h->pidfd);
    close(h->chan);
    close(h->devsock);
    munmap(h->vemem, h->vemem_size);
    for (int i = 0; i < RVE_MAX_CTX; i++)
        if (h->ctx[i])
            veo_i_ctx_free(h->ctx[i]);
    veo_i_ctx_free(h->xfer);
    veo_i_sym_cache_free(h);
    ve_alloc_fini(&h->mem);
    munmap(h->shm, RVE_SHM_SIZE);
    pthread_mutex_lock(&table_lock);
    procs[h->ident] = NULL;
    unreserve_node(h->venode);
    pthread_mutex_unlock(&table_lock);
    pthread_mutex_destroy(&h->rt_lock);
    pthread_mutex_destroy(&h->dev_lock);
    pthread_mutex_destroy(&h->lock);
    free(h);
    return 0;
}

VEO_API int veo_proc_identifier(struct veo_proc_handle *h)
{
    if (!h)
        return -1;
    return h->ident;
}

/* ---- versions ---------------------------------------------------------- */

VEO_API int veo_api_version(void)
{
    return VEO_API_VERSION;
}

VEO_API const char *veo_version_string(void)
{
#ifdef RASHM_VERSION
    return "rashm-veo " RASHM_VERSION " (software VE)";
#else
    return "rashm-veo (software VE)";
#endif
}
