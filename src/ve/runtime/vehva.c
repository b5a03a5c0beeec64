/* rashm_ve_vehva_access (src/ve/ve_runtime.h): n bytes between a buffer and
 * a VEHVA, translated through the DMAATB of this process, as a small DMA:
 * only through live registrations, a read-only one refuses a write, and
 * nothing moves when the translation fails. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "rt.h"
#include "ve_runtime.h"
#include "vedma.h"

struct access_arg {
    void *buf;
    int write;
};

static int copy_view(void *arg, const struct atb_view *v, uint64_t n)
{
    struct access_arg *a = arg;
    if (a->write)
        memcpy(v->host, a->buf, n);
    else
        memcpy(a->buf, v->host, n);
    return 0;
}

RASHM_VE_API int rashm_ve_vehva_access(uint64_t vehva, void *buf, size_t n, int write)
{
    struct access_arg a = {buf, write};
    int rc = rt_ensure(), copy_rc = 0, exc;
    if (rc)
        return rc;
    if (n == 0)
        return 0;
    exc = dmaatb_access(rashm_rt.atb, vehva, n, write, copy_view, &a, &copy_rc);
    return exc ? exc : copy_rc ? VE_DMA_EXC_MEM_ACCESS : 0;
}
