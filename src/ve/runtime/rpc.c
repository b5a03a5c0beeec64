/* The RPC entry points of the contract (the table RVE_RPC_LIST in
 * src/proto/rve_proto.h declares them, so a definition that does not match
 * the contract does not compile). Each returns >= 0 or -errno. The device
 * process runs them for its VH (src/ve/helper/device.c); in a VE process
 * they are requests to the device process like every other call. */
#define _GNU_SOURCE
#include <errno.h>

#include "rt.h"
#include "rve_proto.h"
#include "vedma.h"

RASHM_VE_API int64_t rashm_ve_rpc_shmget(int64_t key, uint64_t size, int64_t shmflag)
{
    return rt_ops()->shmget(key, size, shmflag);
}

RASHM_VE_API int64_t rashm_ve_rpc_shmat(int64_t shmid, uint64_t shmaddr, int64_t shmflag,
                                        uint64_t *vehva_out)
{
    uint64_t addr, v;
    int64_t rc;
    if (vehva_out)
        *vehva_out = 0;
    rc = rt_ops()->shmat(shmid, shmaddr, shmflag, &addr, &v);
    if (rc < 0)
        return rc;
    if (!vehva_out) { /* NEC: writing the VEHVA back failed */
        rt_ops()->shmdt(addr);
        return -EFAULT;
    }
    *vehva_out = v;
    return (int64_t)addr;
}

RASHM_VE_API int64_t rashm_ve_rpc_shmdt(uint64_t shmaddr)
{
    return rt_ops()->shmdt(shmaddr);
}

RASHM_VE_API int64_t rashm_ve_rpc_dma_post(uint64_t dst, uint64_t src, int64_t size)
{
    /* The VH keeps its handle; no pointer is recorded. */
    return rt_ops()->dma_post(dst, src, size, NULL);
}

RASHM_VE_API int64_t rashm_ve_rpc_dma_poll(int64_t index)
{
    int rc = rt_ensure();
    if (rc)
        return rc;
    if (index < 0 || index >= VE_DMA_NDESC)
        return -EINVAL;
    return rt_ops()->slot_poll((int)index);
}

RASHM_VE_API int64_t rashm_ve_rpc_dma_post_wait(uint64_t dst, uint64_t src, int64_t size)
{
    return rt_ops()->dma_post_wait(dst, src, size);
}

RASHM_VE_API int64_t rashm_ve_rpc_register(uint64_t vemva, uint64_t size)
{
    uint64_t vehva;
    int64_t rc = rt_ops()->reg(vemva, size, &vehva);
    return rc < 0 ? rc : (int64_t)vehva;
}

RASHM_VE_API int64_t rashm_ve_rpc_unregister(uint64_t vehva)
{
    return rt_ops()->unreg(vehva);
}
