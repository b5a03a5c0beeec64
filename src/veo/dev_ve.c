/* The software VE as a device of the VH process's device seam (src/dev).
 *
 * A registration is a DMAATB entry. The DMAATB lives in the helper, because
 * the DMA engine that translates through it runs there (as on a card, where
 * the DMAATB belongs to the VE, not to the host); the VH reaches it through
 * the contract's REGISTER/UNREGISTER RPCs. The seam keeps, on the VH side,
 * who registered what and how often. Every DMAATB entry dies with the
 * helper, so closing the device needs no RPC per registration. */
#include <errno.h>

#include "dev.h"
#include "veo_internal.h"

static int ve_reg(struct rashm_dev *d, const struct rashm_dev_range *r, uint64_t *key)
{
    struct veo_proc_handle *h = rashm_dev_priv(d);
    int64_t args[2] = {(int64_t)r->addr, (int64_t)r->size};
    int64_t v;
    /* VH memory reaches the VE DMAATB only through vh_shmat in VE code,
     * which registers it there itself. */
    if (r->space != RASHM_DEV_DEVICE)
        return -ENOTSUP;
    v = veo_i_rpc(h, RVE_RPC_REGISTER, args, NULL);
    if (v < 0)
        return (int)v;
    *key = (uint64_t)v;
    return 0;
}

static int ve_unreg(struct rashm_dev *d, uint64_t key)
{
    struct veo_proc_handle *h = rashm_dev_priv(d);
    int64_t args[1] = {(int64_t)key};
    return (int)veo_i_rpc(h, RVE_RPC_UNREGISTER, args, NULL);
}

static const struct rashm_dev_ops ve_ops = {
    .abi = RASHM_DEV_ABI,
    .flags = RASHM_DEV_F_REGS_DIE_WITH_DEVICE,
    .name = "software-ve",
    .reg = ve_reg,
    .unreg = ve_unreg,
    /* pack_key, close: the seam's stub (a VE has no remote keys, and the
     * handle it points to is the process's own) */
};

int veo_i_dev(struct veo_proc_handle *h, struct rashm_dev **out)
{
    int rc = 0;
    if (!h)
        return -EINVAL;
    pthread_mutex_lock(&h->rt_lock);
    if (!h->dev)
        rc = rashm_dev_open(&ve_ops, h, &h->dev);
    if (rc == 0)
        *out = h->dev;
    pthread_mutex_unlock(&h->rt_lock);
    return rc;
}
