/* Configuration of a VE process, read from the environment at
 * veo_proc_create (secure_getenv: a privileged process sees none of it):
 *   VE_NODE_NUMBER       the VE node of veo_proc_create(-1) (AVEO's variable)
 *   RASHM_VE_NODES       VE nodes of the software VE (1..RVE_MAX_NODES)
 *   RASHM_VE_MEM_SIZE    VE memory per node (size, or a list by node)
 *   RASHM_VE_NUMA_NODE   host NUMA node of each VE node (-1: none)
 *   RASHM_VE_SPIN_US     how long waiters spin before they sleep
 *   RASHM_VE_NO_PVM      copy through the ring instead of process_vm_*
 *   RASHM_VE_TIMEOUT_MS  bound of every wait for an answer that runs no VE
 *                        function (see proc.c: veo_i_wedged)
 * A bad value is an error (EINVAL from veo_proc_create), never ignored. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "env.h"
#include "veo_internal.h"

#define DEFAULT_MEM_SIZE (8ull << 30)

/* VE_NODE_NUMBER is AVEO's variable, not in rashm's table: read and
 * reported (naming it) by src/common. */
static int env_node_number(long *out)
{
    return rcom_env_vendor_long("VE_NODE_NUMBER", 0, RVE_MAX_NODES - 1, 0, out);
}

/* Every RASHM_VE_* value goes through the table of src/common (env.h): a
 * bad one is reported there, naming the variable and what it accepts, and
 * is -EINVAL here. */
static int read_config(int venode, struct ve_config *c)
{
    long v;
    int rc;
    if ((rc = rcom_env_long(RCOM_ENV_VE_NODES, &v)) < 0)
        return rc;
    c->nodes = (int)v;
    if (venode >= c->nodes)
        return -EINVAL;
    if ((rc = rcom_env_size_at(RCOM_ENV_VE_MEM_SIZE, venode, DEFAULT_MEM_SIZE, &c->mem)) < 0)
        return rc;
    if (c->mem == 0) {
        rcom_env_report(RCOM_ENV_VE_MEM_SIZE, rcom_env_raw(RCOM_ENV_VE_MEM_SIZE));
        return -EINVAL;
    }
    c->mem = (c->mem + (2ull << 20) - 1) & ~((2ull << 20) - 1);
    if (c->mem > RVE_MEM_STRIDE) { /* 128 GiB of VE address space per node */
        rcom_env_report(RCOM_ENV_VE_MEM_SIZE, rcom_env_raw(RCOM_ENV_VE_MEM_SIZE));
        return -EINVAL;
    }
    if ((rc = rcom_env_long_at(RCOM_ENV_VE_NUMA_NODE, venode, -1, &v)) < 0)
        return rc;
    c->numa = (int)v;
    if (c->numa >= 0) {
        /* must be a host node with memory (mbind would silently accept a
         * node that does not exist as a preference) */
        char p[96];
        snprintf(p, sizeof p, "/sys/devices/system/node/node%d/meminfo", c->numa);
        if (access(p, R_OK) != 0) {
            rcom_env_report(RCOM_ENV_VE_NUMA_NODE, rcom_env_raw(RCOM_ENV_VE_NUMA_NODE));
            return -EINVAL;
        }
    }
    if ((rc = rcom_env_long(RCOM_ENV_VE_SPIN_US, &v)) < 0)
        return rc;
    c->spin_us = (uint32_t)v;
    if ((rc = rcom_env_long(RCOM_ENV_VE_TIMEOUT_MS, &v)) < 0)
        return rc;
    c->timeout_ms = (int)v;
    return 0;
}

int veo_i_config(int *venode, struct ve_config *c)
{
    long envnode;
    int rc;
    if (*venode < -1)
        return -EINVAL;
    if (*venode == -1) {
        if (env_node_number(&envnode) < 0)
            return -EINVAL;
        *venode = (int)envnode;
    }
    if ((rc = read_config(*venode, c)) < 0)
        return rc;
    c->no_pvm = rcom_env_flag(RCOM_ENV_VE_NO_PVM) != 0;
    return 0;
}
