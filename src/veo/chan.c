/* The base of the VH side of the channel to one rashm-ve helper: the control
 * socket (one request, one reply, serialised by the process lock), and the
 * futex the request rings sleep on (src/common's). */
#define _GNU_SOURCE
#include <errno.h>
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
    for (;;) {
        ssize_t n = recv(h->chan, rep, sizeof *rep, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n != (ssize_t)sizeof *rep) /* EOF: the helper died meanwhile */
            rc = -ESRCH;
        else
            rc = rep->rc;
        break;
    }
out_unlock:
    pthread_mutex_unlock(&h->lock);
    return rc;
}
