/* The base of the VH side of the channel to one rashm-ve helper: the control
 * socket (one request, one reply, serialised by the process lock), and the
 * futex the request rings sleep on (src/common's). */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "veo_internal.h"
#include "wait.h"

long veo_i_futex(_Atomic uint32_t *addr, int op, uint32_t val, const struct timespec *ts)
{
    /* Not FUTEX_PRIVATE_FLAG: the words live in memory shared with the helper. */
    return rcom_futex(addr, op, val, ts);
}

void veo_i_wedged(struct veo_proc_handle *h)
{
    /* The pid stays ours until veo_proc_destroy reaps it, so this cannot
     * hit another process. The VE process dies with its device process. */
    kill(h->pid, SIGKILL);
}

int veo_i_wait_answer(struct veo_proc_handle *h, int fd, uint64_t deadline_ns)
{
    for (;;) {
        uint64_t now = rcom_now_ns();
        if (now >= deadline_ns)
            return -ETIMEDOUT;
        uint64_t left_ms = (deadline_ns - now + 999999) / 1000000;
        struct pollfd pf[2] = {{fd, POLLIN, 0}, {h->pidfd, POLLIN, 0}};
        int r = poll(pf, 2, left_ms > 1000 ? 1000 : (int)left_ms);
        if (r < 0 && errno != EINTR)
            return -errno;
        if (r <= 0)
            continue;
        if (pf[0].revents)
            return 0; /* an answer, or EOF: the caller's recv tells */
        if (pf[1].revents)
            return -ESRCH;
    }
}

/* A control request runs no VE function but a library's constructors
 * (LOAD) or destructors (UNLOAD); the VE process's main thread answers it.
 * VE code that wedged that thread (it can scribble over its own process)
 * must not hang the VH: the wait is bounded by RASHM_VE_TIMEOUT_MS, after
 * which the VE process is killed as wedged. */
int veo_i_control(struct veo_proc_handle *h, struct rve_msg *m, struct rve_reply *rep)
{
    int rc = 0;
    pthread_mutex_lock(&h->lock);
    if (veo_i_dead(h)) {
        rc = -ESRCH;
        goto out_unlock;
    }
    if (send(h->chan, m, sizeof *m, MSG_NOSIGNAL) != (ssize_t)sizeof *m) {
        rc = -ESRCH;
        goto out_unlock;
    }
    uint64_t deadline = rcom_now_ns() + (uint64_t)h->timeout_ms * 1000000u;
    for (;;) {
        int w = veo_i_wait_answer(h, h->chan, deadline);
        if (w == -ETIMEDOUT)
            veo_i_wedged(h);
        if (w < 0) {
            rc = -ESRCH;
            break;
        }
        ssize_t n = recv(h->chan, rep, sizeof *rep, MSG_DONTWAIT);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n < 0 && errno == EINTR)
            continue;
        if (n != (ssize_t)sizeof *rep || rep->op != m->op) /* EOF: the helper died meanwhile */
            rc = -ESRCH;
        else
            rc = rep->rc;
        break;
    }
out_unlock:
    pthread_mutex_unlock(&h->lock);
    return rc;
}
