/* The device process of a software VE process.
 *
 * On a card, the DMAATB, the DMA engine and the host memory a VE process
 * may reach (VH-VE SHM segments) are hardware and VEOS state: VE code cannot
 * write into them. Here VE code is an x86 shared library, and anything in
 * its address space it can scribble over. So the rashm-ve program that the
 * VH starts splits in two at start-up, before any VE code is loaded:
 *
 *  - the device process (this file; the process the VH started, so the
 *    VH's pid, pidfd and process_vm_* calls all name it) keeps VE memory
 *    mapped (a memfd, memory.c), owns the software VE's device state and
 *    never runs VE code;
 *  - the VE process (its child) runs VE code: the control loop, the worker
 *    threads, the libraries.
 *
 * One device process per VE process, not per VE node: the DMAATB is
 * already per VE process here (docs/veo.md), each VE process then has its
 * own, and a device process dies with its VE process, so nothing outlives
 * either (a per-node process would have to outlive VE processes and track
 * each one's registrations separately).
 *
 * Life cycle: the VE process dies with the device process
 * (PR_SET_PDEATHSIG); the device process exits as soon as the VE process
 * has ended (watching a pidfd of it), and when the VH process goes it gives
 * the VE process a moment to end by itself (it watches the VH too) before
 * killing it. Either way the device process reaps the VE process before it
 * exits, so the VH (which reaps the device process) leaves no zombie. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helper.h"
#include "ve_runtime.h"
#include "wait.h"

/* how long the VE process may take to end by itself once the VH is gone */
#define VE_EXIT_GRACE_MS 2000

int dev_pidfd = -1;

static int reap(pid_t ve, int wait_ms)
{
    int st = 0;
    pid_t r;
    if (wait_ms > 0) {
        int vfd = (int)syscall(SYS_pidfd_open, ve, 0);
        if (vfd >= 0) {
            struct pollfd pf = {vfd, POLLIN, 0};
            while (poll(&pf, 1, wait_ms) < 0 && errno == EINTR)
                ;
            close(vfd);
        }
    }
    if (waitpid(ve, &st, WNOHANG) == 0) {
        kill(ve, SIGKILL);
        while ((r = waitpid(ve, &st, 0)) < 0 && errno == EINTR)
            ;
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* A fault in the device process: the DMA engine meeting a page that cannot
 * be had is the runtime's (it does not return); anything else is a bug
 * here, and the device process ends (its VE process with it). */
static void dev_fault(int sig, siginfo_t *si, void *uc)
{
    (void)si;
    (void)uc;
    rashm_ve_runtime_on_fault(sig);
    _exit(128 + sig);
}

static void install_dev_fault(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = dev_fault;
    sa.sa_flags = SA_SIGINFO;
    sigfillset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
}

/* One RPC from the VH (rve_proto.h), run here with the device's state.
 * Returns 1 if there was one, 0 if none was waiting. */
static int serve_vh(int sock)
{
    struct rve_dev_req q;
    struct rve_dev_rep r;
    ssize_t n = recv(sock, &q, sizeof q, MSG_DONTWAIT);
    if (n <= 0)
        return 0;
    if (n != (ssize_t)sizeof q)
        return 1; /* not a request: no reply; the VH's wait is bounded */
    memset(&r, 0, sizeof r);
    r.rpc = q.rpc;
    r.pad = q.pad; /* the request's sequence number */
    switch (q.rpc) {
    case RVE_RPC_SHMGET: r.rc = rashm_ve_rpc_shmget(q.a[0], (uint64_t)q.a[1], q.a[2]); break;
    case RVE_RPC_SHMAT:
        r.rc = rashm_ve_rpc_shmat(q.a[0], (uint64_t)q.a[1], q.a[2], &r.out);
        break;
    case RVE_RPC_SHMDT: r.rc = rashm_ve_rpc_shmdt((uint64_t)q.a[0]); break;
    case RVE_RPC_DMA_POST:
        r.rc = rashm_ve_rpc_dma_post((uint64_t)q.a[0], (uint64_t)q.a[1], q.a[2]);
        break;
    case RVE_RPC_DMA_POLL: r.rc = rashm_ve_rpc_dma_poll(q.a[0]); break;
    case RVE_RPC_DMA_POST_WAIT:
        r.rc = rashm_ve_rpc_dma_post_wait((uint64_t)q.a[0], (uint64_t)q.a[1], q.a[2]);
        break;
    case RVE_RPC_REGISTER: r.rc = rashm_ve_rpc_register((uint64_t)q.a[0], (uint64_t)q.a[1]); break;
    case RVE_RPC_UNREGISTER: r.rc = rashm_ve_rpc_unregister((uint64_t)q.a[0]); break;
    case RVE_RPC_VESHM_REG:
        r.rc = rashm_ve_rpc_veshm_reg((uint64_t)q.a[0], (uint64_t)q.a[1], (uint64_t)q.a[2]);
        break;
    case RVE_RPC_VESHM_UNREG: r.rc = rashm_ve_rpc_veshm_unreg((uint64_t)q.a[0]); break;
    default: r.rc = -ENOSYS; break;
    }
    send(sock, &r, sizeof r, MSG_NOSIGNAL);
    return 1;
}

/* After a request, the next one usually follows within microseconds: look
 * for it for spin_ns before going back to sleep in poll(). */
static void serve_vh_burst(int sock, uint64_t spin_ns)
{
    uint64_t end = rcom_now_ns() + spin_ns;
    while (rcom_now_ns() < end)
        if (serve_vh(sock))
            end = rcom_now_ns() + spin_ns;
}

static void __attribute__((noreturn)) device_exit(pid_t ve, int grace_ms)
{
    int code = reap(ve, grace_ms);
    /* detaches every segment, drops the DMAATB (the kernel would too) */
    rashm_ve_runtime_shutdown();
    _exit(code);
}

static void __attribute__((noreturn)) device_main(pid_t ve, int vh_pidfd)
{
    int vfd = (int)syscall(SYS_pidfd_open, ve, 0);
    /* The control socket belongs to the VE process: with our copy closed,
     * the VH sees its EOF when the VE process dies. The ring region is its
     * too. */
    struct rve_header h = *hdr;
    close(RVE_CHAN_FD);
    munmap(shm, RVE_SHM_SIZE);
    hdr = NULL;
    shm = NULL;
    install_dev_fault();
    if (vfd < 0)
        _exit(reap(ve, 0));
    /* A start-up error (a bad RASHM_VE_DMAATB_* value) reaches the VE
     * process through the request area, which reports it to the VH in its
     * READY; we go on until the VE process ends. */
    rashm_ve_device_serve(h.venode, ve, h.mem_base, h.mem_size, ve_mem_fd, h.spin_us);
    int dev_open = 1;
    uint64_t spin_ns = (uint64_t)(h.spin_us > 1000 ? 1000 : h.spin_us) * 1000u;
    for (;;) {
        struct pollfd pf[3] = {{vfd, POLLIN, 0}, {vh_pidfd, POLLIN, 0},
                               {dev_open ? RVE_DEV_FD : -1, POLLIN, 0}};
        if (poll(pf, 3, -1) < 0) {
            if (errno == EINTR)
                continue;
            device_exit(ve, 0);
        }
        if (pf[0].revents)
            device_exit(ve, 0); /* the VE process ended: so does the device */
        if (pf[1].revents)
            device_exit(ve, VE_EXIT_GRACE_MS); /* the VH process is gone */
        if (pf[2].revents & POLLIN) {
            serve_vh(RVE_DEV_FD);
            serve_vh_burst(RVE_DEV_FD, spin_ns);
        }
        else if (pf[2].revents)
            dev_open = 0; /* the VH closed it: only the VE process's end counts now */
    }
}

int device_split(int vh_pidfd)
{
    pid_t dev = getpid();
    int rc = rashm_ve_device_prepare();
    if (rc)
        return rc;
    pid_t ve = fork();
    if (ve < 0)
        return -errno;
    if (ve > 0)
        device_main(ve, vh_pidfd);
    /* the VE process */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != dev)
        _exit(3); /* the device process died while we started */
    close(RVE_DEV_FD); /* the VH's line to the device is not ours */
    dev_pidfd = (int)syscall(SYS_pidfd_open, dev, 0);
    if (dev_pidfd < 0)
        return -errno;
    return rashm_ve_runtime_client();
}
