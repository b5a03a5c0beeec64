/* The RPC entry points that librashm-veo runs in the VE process (the table
 * RVE_RPC_LIST in src/proto/rve_proto.h declares them, so a definition that
 * does not match the contract does not compile). Each returns >= 0 or -errno:
 * the VH side turns that into its caller's errno. */
#define _GNU_SOURCE
#include <errno.h>

#include "rt.h"
#include "rve_proto.h"
#include "vedma.h"

RASHM_VE_API int64_t rashm_ve_rpc_shmget(int64_t key, uint64_t size, int64_t shmflag)
{
    int rc = rt_ensure();
    return rc ? rc : vhshm_get(key, size, shmflag);
}

RASHM_VE_API int64_t rashm_ve_rpc_shmat(int64_t shmid, uint64_t shmaddr, int64_t shmflag,
                                        uint64_t *vehva_out)
{
    void *addr;
    uint64_t v;
    int rc = rt_ensure();
    if (vehva_out)
        *vehva_out = 0;
    if (rc)
        return rc;
    pthread_mutex_lock(&rashm_rt_lock);
    rc = vhshm_at(shmid, shmaddr, shmflag, &addr, vehva_out ? &v : NULL);
    pthread_mutex_unlock(&rashm_rt_lock);
    if (rc)
        return rc;
    *vehva_out = v;
    return (int64_t)addr;
}

RASHM_VE_API int64_t rashm_ve_rpc_shmdt(uint64_t shmaddr)
{
    int rc = rt_ensure();
    if (rc)
        return rc;
    pthread_mutex_lock(&rashm_rt_lock);
    rc = vhshm_dt(shmaddr);
    pthread_mutex_unlock(&rashm_rt_lock);
    return rc;
}

RASHM_VE_API int64_t rashm_ve_rpc_dma_post(uint64_t dst, uint64_t src, int64_t size)
{
    int index, rc = rt_ensure();
    if (rc)
        return rc;
    /* The VH keeps its handle; no pointer into this process is recorded. */
    rc = dma_post(rashm_rt.dma, dst, src, size, NULL, 0, 0, &index);
    return rc ? rc : index;
}

RASHM_VE_API int64_t rashm_ve_rpc_dma_poll(int64_t index)
{
    int rc = rt_ensure();
    if (rc)
        return rc;
    if (index < 0 || index >= VE_DMA_NDESC)
        return -EINVAL;
    return dma_slot_poll(rashm_rt.dma, (int)index);
}

RASHM_VE_API int64_t rashm_ve_rpc_dma_post_wait(uint64_t dst, uint64_t src, int64_t size)
{
    int rc = rt_ensure();
    return rc ? rc : dma_post_wait(rashm_rt.dma, dst, src, size);
}

RASHM_VE_API int64_t rashm_ve_rpc_register(uint64_t vemva, uint64_t size)
{
    uint64_t vehva;
    int rc = rt_ensure();
    if (!rc)
        rc = vemem_register(vemva, size, &vehva);
    return rc ? rc : (int64_t)vehva;
}

RASHM_VE_API int64_t rashm_ve_rpc_unregister(uint64_t vehva)
{
    int rc = rt_ensure();
    return rc ? rc : vemem_unregister(vehva);
}
