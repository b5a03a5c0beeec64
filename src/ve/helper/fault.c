/* Signals in VE code. A fault while a worker copies data for the VH fails
 * that request (EFAULT); a fault the DMA engine takes is the runtime's (it
 * does not return); anything else is an exception of VE code: reported as
 * VEO_COMMAND_EXCEPTION for the running request, then the VE process ends,
 * as on the card. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "helper.h"
#include "ve_runtime.h"

__thread struct rve_ring *tl_ring;
__thread struct rve_slot *tl_slot;
/* Set while a worker copies data for the VH: a bad VE address then fails
 * that one request (EFAULT) instead of being a VE exception. */
static __thread sigjmp_buf *volatile tl_guard; /* volatile: memcpy cannot see it */

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

int install_fault_handlers(void)
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

int guarded_copy(void *dst, const void *src, size_t n)
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
