/* rashm-ve: the software Vector Engine process.
 *
 * One instance per VE process, started by veo_proc_create() in librashm-veo
 * (as NEC's aveorun is started by AVEO). It inherits its private channel as
 * fds 3 (control socket) and 4 (shared memfd with the request rings), maps
 * the VE memory of its VE node at a fixed address that the VH keeps
 * reserved (PROT_NONE), and runs one worker thread per context.
 *
 * The pieces are listed in helper.h. The main thread serves the control socket and watches the VH process:
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
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "helper.h"
#include "ve_runtime.h"

static void shutdown_and_exit(int code)
{
    rashm_ve_runtime_shutdown();
    /* What VE code printed to a file or pipe is still in its stdio buffers
     * (a VE program's output is flushed when it ends, as on a card). */
    fflush(NULL);
    _exit(code);
}

/* The orderly end the VH asked for: VE code's exit handlers and
 * destructors run too, as when a VE program returns from main. Worker
 * threads are idle (the VH drained its contexts); a handler that hangs is
 * ended by the VH's SIGKILL after its grace period. */
static void orderly_exit(void)
{
    rashm_ve_runtime_shutdown();
    exit(0);
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
    if (ppfd < 0 || getppid() != (pid_t)hdr->vh_pid)
        _exit(3); /* the VH died while we started */

    memset(&rep, 0, sizeof rep);
    rep.op = RVE_OP_READY;
    rc = map_ve_memory();
    /* Split off the VE process before anything of VE code's is loaded
     * (device.c); from here on this is the VE process, and librashm-ve in
     * it sends every call to the device process (whose start-up result
     * device_split returns). Strong references to the runtime's hooks keep
     * librashm-ve a DT_NEEDED of the helper (weak ones let an --as-needed
     * link drop it, and the hooks silently never ran). */
    if (rc == 0)
        rc = device_split(ppfd);
    if (rc == 0)
        rc = map_hmem_window();
    if (rc == 0 && have_node_cpus)
        sched_setaffinity(0, sizeof node_cpus, &node_cpus);
    if (rc == 0)
        rc = install_fault_handlers();
    if (rc == 0)
        rc = ctx_open(0, 0); /* the main context */
    if (rc == 0)
        rc = ctx_open(RVE_XFER_CTX, 0); /* small transfers */
    rep.rc = rc;
    /* the VE process (this one): the VH's process_vm_* transfers reach VE
     * code's own memory (its heap, say) only here, not in the device */
    rep.val = (uint64_t)getpid();
    if (send(RVE_CHAN_FD, &rep, sizeof rep, MSG_NOSIGNAL) < 0 || rc != 0)
        shutdown_and_exit(rc ? 4 : 0);

    static struct rve_msg m;
    for (;;) {
        struct pollfd pf[3] = {{RVE_CHAN_FD, POLLIN, 0}, {ppfd, POLLIN, 0},
                               {dev_pidfd, POLLIN, 0}};
        if (poll(pf, 3, -1) < 0) {
            if (errno == EINTR)
                continue;
            shutdown_and_exit(5);
        }
        if (pf[1].revents)
            shutdown_and_exit(0); /* VH process exited */
        if (pf[2].revents)
            shutdown_and_exit(6); /* the device process died */
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
            orderly_exit();
        memset(&rep, 0, sizeof rep);
        handle(&m, &rep);
        if (send(RVE_CHAN_FD, &rep, sizeof rep, MSG_NOSIGNAL) < 0)
            shutdown_and_exit(0);
    }
}
