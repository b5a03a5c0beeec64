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
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helper.h"

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

static void __attribute__((noreturn)) device_main(pid_t ve, int vh_pidfd)
{
    int vfd = (int)syscall(SYS_pidfd_open, ve, 0);
    /* The control socket belongs to the VE process: with our copy closed,
     * the VH sees its EOF when the VE process dies. */
    close(RVE_CHAN_FD);
    if (vfd < 0)
        _exit(reap(ve, 0));
    for (;;) {
        struct pollfd pf[2] = {{vfd, POLLIN, 0}, {vh_pidfd, POLLIN, 0}};
        if (poll(pf, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            _exit(reap(ve, 0));
        }
        if (pf[0].revents)
            _exit(reap(ve, 0)); /* the VE process ended: so does the device */
        if (pf[1].revents)
            _exit(reap(ve, VE_EXIT_GRACE_MS)); /* the VH process is gone */
    }
}

int device_split(int vh_pidfd)
{
    pid_t dev = getpid();
    pid_t ve = fork();
    if (ve < 0)
        return -errno;
    if (ve > 0)
        device_main(ve, vh_pidfd);
    /* the VE process */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != dev)
        _exit(3); /* the device process died while we started */
    dev_pidfd = (int)syscall(SYS_pidfd_open, dev, 0);
    if (dev_pidfd < 0)
        return -errno;
    return 0;
}
