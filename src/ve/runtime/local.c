/* The operations done in this process: by the device process (for its VE
 * process and its VH), or by a program that uses librashm-ve directly (tests).
 * Each returns >= 0 or -errno. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "rt.h"
#include "vedma.h"

static int64_t l_shmget(int64_t key, uint64_t size, int64_t flag)
{
    int rc = rt_ensure();
    return rc ? rc : vhshm_get(key, size, flag);
}

static int64_t l_shmat(int64_t id, uint64_t addr, int64_t flag, uint64_t *addr_out,
                       uint64_t *vehva_out)
{
    void *a;
    int rc = rt_ensure();
    if (rc)
        return rc;
    pthread_mutex_lock(&rashm_rt_lock);
    rc = vhshm_at(id, addr, flag, &a, vehva_out);
    pthread_mutex_unlock(&rashm_rt_lock);
    if (!rc)
        *addr_out = (uint64_t)(uintptr_t)a;
    return rc;
}

static int64_t l_shmdt(uint64_t addr)
{
    int rc = rt_ensure();
    if (rc)
        return rc;
    pthread_mutex_lock(&rashm_rt_lock);
    rc = vhshm_dt(addr);
    pthread_mutex_unlock(&rashm_rt_lock);
    return rc;
}

static int64_t l_dma_post(uint64_t dst, uint64_t src, int64_t size, void *handle)
{
    int index, rc = rt_ensure();
    if (rc)
        return rc;
    rc = dma_post(rashm_rt.dma, dst, src, size, handle, handle != NULL, 0, &index, NULL);
    return rc ? rc : index;
}

static int64_t l_dma_post_wait(uint64_t dst, uint64_t src, int64_t size)
{
    int rc = rt_ensure();
    return rc ? rc : dma_post_wait(rashm_rt.dma, dst, src, size);
}

static int64_t l_reg(uint64_t vemva, uint64_t size, uint64_t *vehva)
{
    int rc = rt_ensure();
    return rc ? rc : vemem_register(vemva, size, vehva);
}

static int64_t l_unreg(uint64_t vehva)
{
    int rc = rt_ensure();
    return rc ? rc : vemem_unregister(vehva);
}

static int64_t l_read_regs(uint64_t regs[4])
{
    int rc = rt_ensure();
    if (rc)
        return rc;
    dma_read_regs(rashm_rt.dma, regs);
    return 0;
}

struct access_arg {
    void *buf;
    int write;
};

static int access_fn(void *arg, const struct atb_view *v, uint64_t n)
{
    struct access_arg *a = arg;
    return dma_view_io(v, a->buf, n, a->write);
}

static int64_t l_vehva_access(uint64_t vehva, void *buf, uint64_t n, int write)
{
    struct access_arg a = { buf, write };
    int rc = rt_ensure(), io_rc = 0, exc;
    if (rc)
        return rc;
    if (n == 0)
        return 0;
    exc = dmaatb_access(rashm_rt.atb, vehva, n, write, access_fn, &a, &io_rc);
    if (exc)
        return exc;
    return io_rc ? VE_DMA_EXC_MEM_ACCESS : 0;
}

static int l_slot_poll(int index)
{
    int rc = rt_ensure();
    return rc ? rc : dma_slot_poll(rashm_rt.dma, index);
}

static int l_slot_wait(int index, const void *handle)
{
    int rc = rt_ensure();
    return rc ? rc : dma_slot_wait(rashm_rt.dma, index, handle);
}

const struct rt_ops rt_local_ops = {
    .shmget = l_shmget,
    .shmat = l_shmat,
    .shmdt = l_shmdt,
    .dma_post = l_dma_post,
    .dma_post_wait = l_dma_post_wait,
    .reg = l_reg,
    .unreg = l_unreg,
    .read_regs = l_read_regs,
    .vehva_access = l_vehva_access,
    .slot_poll = l_slot_poll,
    .slot_wait = l_slot_wait,
};
