/* librashm-ve: life cycle and configuration of one software VE process.
 *
 * Environment (read once, by rashm_ve_runtime_init):
 *   RASHM_VE_DMAATB_DIRS     directories of the DMAATB usable for VHSHM/VESHM
 *                            registrations (default 56, as a VE10 card; 1..4096)
 *   RASHM_VE_DMAATB_ENTRIES  page entries per directory (default 256; 1..256)
 *   RASHM_VE_FAULT           fault injection, see rt_fault_load()
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devq.h"
#include "env.h"
#include "rt.h"
#include "ve_runtime.h"


/* caller holds rashm_rt_lock */
static int rt_up_locked(int venode)
{
    int rc;
    if (rashm_rt.up)
        return 0;
    dma_engine_free(rashm_rt.dma); /* stopped by an earlier shutdown */
    rashm_rt.dma = NULL;
    long dirs, entries;
    /* A bad value is an error (the table of src/common reports it, naming
     * the variable): the runtime does not come up, veo_proc_create fails. */
    if ((rc = rcom_env_long(RCOM_ENV_VE_DMAATB_DIRS, &dirs)) ||
        (rc = rcom_env_long(RCOM_ENV_VE_DMAATB_ENTRIES, &entries)) || (rc = rt_fault_load()))
        return rc;
    if (!rashm_rt.atb && !(rashm_rt.atb = dmaatb_new()))
        return -ENOMEM;
    rc = dmaatb_open(rashm_rt.atb, (int)dirs, (int)entries);
    if (rc)
        return rc;
    rc = dma_engine_start(&rashm_rt.dma);
    if (rc)
        goto destroy_atb;
    rashm_rt.venode = venode;
    rashm_rt.up = 1;
    return 0;
destroy_atb:
    dmaatb_close(rashm_rt.atb);
    return rc;
}

int rt_ensure(void)
{
    int rc = 0;
    if (__atomic_load_n(&rashm_rt.up, __ATOMIC_ACQUIRE))
        return 0;
    if (rashm_rt.client) {
        int32_t r = atomic_load(&rashm_rt.dq->ready);
        return rashm_rt.closed ? -ESHUTDOWN : r == 1 ? 0 : r < 0 ? (int)r : -EAGAIN;
    }
    pthread_mutex_lock(&rashm_rt_lock);
    /* After a shutdown only an explicit rashm_ve_runtime_init brings the
     * runtime back: a VE function still running in a dying helper must not. */
    rc = rashm_rt.closed ? -ESHUTDOWN : rt_up_locked(0);
    pthread_mutex_unlock(&rashm_rt_lock);
    return rc;
}

RASHM_VE_API int rashm_ve_runtime_init(int venode)
{
    int rc;
    pthread_mutex_lock(&rashm_rt_lock);
    rashm_rt.closed = 0;
    rc = rt_up_locked(venode < 0 ? 0 : venode);
    pthread_mutex_unlock(&rashm_rt_lock);
    return rc;
}

void rt_shutdown(void)
{
    pthread_mutex_lock(&rashm_rt_lock);
    rashm_rt.closed = 1;
    if (!rashm_rt.up) {
        pthread_mutex_unlock(&rashm_rt_lock);
        return;
    }
    /* Stop the engine first: no copy may run into a segment being detached.
     * Its structure stays allocated (see dma_engine_stop). */
    dma_engine_stop(rashm_rt.dma);
    vhshm_detach_all();
    dmaatb_close(rashm_rt.atb);
    __atomic_store_n(&rashm_rt.up, 0, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&rashm_rt_lock);
}

