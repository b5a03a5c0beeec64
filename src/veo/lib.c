/* Libraries and symbols of a VE process (control requests to the helper). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "env.h"
#include "veo_internal.h"

int veo_i_load_library(struct veo_proc_handle *h, const char *libname, uint64_t *handle)
{
    struct rve_msg m;
    struct rve_reply rep;
    if (!h || !libname || strlen(libname) >= sizeof m.str)
        return -EINVAL;
    memset(&m, 0, sizeof m);
    m.op = RVE_OP_LOAD;
    snprintf(m.str, sizeof m.str, "%s", libname);
    int rc = veo_i_control(h, &m, &rep);
    if (rc < 0) {
        if (rep.err[0] && rc != -ESRCH && rcom_env_flag(RCOM_ENV_VE_DEBUG))
            fprintf(stderr, "veo_load_library: %s\n", rep.err);
        return rc;
    }
    *handle = rep.val;
    return 0;
}

int veo_i_get_sym(struct veo_proc_handle *h, uint64_t libhdl, const char *symname, uint64_t *addr)
{
    struct rve_msg m;
    struct rve_reply rep;
    if (!h || !symname)
        return -EINVAL;
    if (strlen(symname) > VEO_SYMNAME_LEN_MAX)
        return -ENAMETOOLONG;
    memset(&m, 0, sizeof m);
    m.op = RVE_OP_SYM;
    m.a = libhdl;
    snprintf(m.str, sizeof m.str, "%s", symname);
    int rc = veo_i_control(h, &m, &rep);
    if (rc < 0)
        return rc;
    *addr = rep.val;
    return 0;
}

VEO_API uint64_t veo_load_library(struct veo_proc_handle *h, const char *libname)
{
    uint64_t handle;
    int rc = veo_i_load_library(h, libname, &handle);
    if (rc < 0) {
        errno = -rc;
        return 0;
    }
    return handle;
}

VEO_API int veo_unload_library(struct veo_proc_handle *h, const uint64_t libhdl)
{
    struct rve_msg m;
    struct rve_reply rep;
    if (!h || !libhdl)
        return -1;
    memset(&m, 0, sizeof m);
    m.op = RVE_OP_UNLOAD;
    m.a = libhdl;
    return veo_i_control(h, &m, &rep) < 0 ? -1 : 0;
}

VEO_API uint64_t veo_get_sym(struct veo_proc_handle *h, uint64_t libhdl, const char *symname)
{
    uint64_t addr;
    int rc = veo_i_get_sym(h, libhdl, symname, &addr);
    if (rc < 0) {
        errno = -rc;
        return 0;
    }
    return addr;
}
